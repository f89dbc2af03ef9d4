/**
 * The cluster's name table: the 32-bit ids under which sources and libraries are stored as
 * Sphinx attributes (filters and facets work on integers), and back. An id is the name's 32-bit
 * FNV-1a hash, or the next free one when another name has it; once given it never changes.
 * Kept in `<dir>/names.json`, written atomically when a load adds names.
 *
 * Owns: name <-> id. Must not: know about documents or queries.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomically } from '../../fs/durable.js';
import { fnv1a32 } from './hash.js';
import type { NameIds } from './rows.js';

export const NAMES_FILE = 'names.json';
type Kind = 'source' | 'library';

export class NameTable implements NameIds {
  private readonly ids: Record<Kind, Map<string, number>> = { source: new Map(), library: new Map() };
  private readonly names: Record<Kind, Map<number, string>> = { source: new Map(), library: new Map() };
  private changed = false;

  private constructor(private readonly dir: string) {}

  /** The table of the cluster in `dir` (empty when it has none yet). */
  static load(dir: string): NameTable {
    const t = new NameTable(dir);
    const file = join(dir, NAMES_FILE);
    if (existsSync(file)) {
      const json = JSON.parse(readFileSync(file, 'utf8')) as Record<Kind, Record<string, number>>;
      for (const kind of ['source', 'library'] as const) for (const [name, id] of Object.entries(json[kind] ?? {})) t.set(kind, name, id);
    }
    return t;
  }

  private set(kind: Kind, name: string, id: number): void {
    this.ids[kind].set(name, id);
    this.names[kind].set(id, name);
  }

  idOf(kind: Kind, name: string): number {
    const known = this.ids[kind].get(name);
    if (known !== undefined) return known;
    // 0 means "none" in the attributes.
    let id = fnv1a32(name) || 1;
    while (this.names[kind].has(id)) id = (id + 1) >>> 0 || 1;
    this.set(kind, name, id);
    this.changed = true;
    return id;
  }

  /** The name of id `id`, or null when the table has none. */
  nameOf(kind: Kind, id: number): string | null {
    return this.names[kind].get(id) ?? null;
  }

  /** How many names of `kind` the table holds. */
  size(kind: Kind): number {
    return this.ids[kind].size;
  }

  /** The ids of names (unknown names are left out: nothing has them). */
  known(kind: Kind, names: readonly string[]): number[] {
    return names.map((n) => this.ids[kind].get(n)).filter((x): x is number => x !== undefined);
  }

  /** Writes the table when names were added since it was loaded. */
  save(): void {
    if (!this.changed) return;
    const json = { source: Object.fromEntries(this.ids.source), library: Object.fromEntries(this.ids.library) };
    writeFileAtomically(this.dir, NAMES_FILE, JSON.stringify(json));
    this.changed = false;
  }
}
