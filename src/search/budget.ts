/**
 * The time budget of one search: work that can take long (matching each leaf in each segment,
 * verifying phrase positions) checks it and gives up with {@link SearchTimeoutError}.
 *
 * Owns: the budget. Must not: decide what to do when it runs out (the caller answers).
 */

export class SearchTimeoutError extends Error {
  constructor(readonly budgetMs: number) {
    super(`search took longer than its time budget of ${budgetMs} ms`);
    this.name = 'SearchTimeoutError';
  }
}

export class Deadline {
  private readonly end: number;

  /** A budget of `ms` milliseconds from now; `Infinity` never runs out. */
  constructor(readonly ms: number) {
    this.end = performance.now() + ms;
  }

  /** Throws {@link SearchTimeoutError} once the budget is spent. */
  check(): void {
    if (performance.now() > this.end) throw new SearchTimeoutError(this.ms);
  }

  static readonly NONE = new Deadline(Infinity);
}
