/**
 * Runs a zhsearch command in a child process for the server tests (as bin/zhsearch.js would
 * once `serve` and `start` are wired into src/cli/main.ts): `serve` and `start` go to
 * src/cli/serve.ts, anything else to the CLI's main().
 */
import { main } from '../../src/cli/main.js';
import { serveCommand, startCommand } from '../../src/cli/serve.js';

const [command, ...rest] = process.argv.slice(2);
const run = command === 'serve' ? serveCommand(rest) : command === 'start' ? startCommand(rest) : main([command, ...rest]);
process.exitCode = await run;
