/**
 * A progress line on stderr for long indexing runs: documents, documents/s, share of input read
 * and ETA. Updates at most 4 times a second; silent when stderr is not a terminal.
 *
 * Owns: that line. Must not: know what is being indexed.
 */
export class Progress {
  private readonly started = performance.now();
  private lastDraw = 0;
  private docs = 0;
  private read = 0;

  constructor(private readonly totalBytes: number, private readonly enabled: boolean) {}

  bytes(read: number): void {
    this.read = read;
  }

  doc(count: number): void {
    this.docs = count;
    const now = performance.now();
    if (this.enabled && now - this.lastDraw > 250) {
      this.lastDraw = now;
      this.draw(now);
    }
  }

  private draw(now: number): void {
    const seconds = (now - this.started) / 1000;
    const share = this.totalBytes > 0 ? Math.min(1, this.read / this.totalBytes) : 0;
    const width = 24;
    const filled = Math.round(share * width);
    const eta = share > 0.01 ? (seconds / share) * (1 - share) : NaN;
    const line =
      `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(share * 100).toFixed(0).padStart(3)}% ` +
      `${this.docs} docs, ${(this.docs / Math.max(seconds, 0.001)).toFixed(0)} docs/s, ` +
      `ETA ${Number.isFinite(eta) ? `${Math.ceil(eta)} s` : '?'}`;
    process.stderr.write(`\r${line.padEnd(80)}`);
  }

  finish(): void {
    if (this.enabled) {
      this.draw(performance.now());
      process.stderr.write('\n');
    }
  }
}
