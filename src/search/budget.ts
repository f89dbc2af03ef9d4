/**
 * The budget of one search: time and memory. Every loop whose length depends on the input
 * (matching each leaf in each segment, phrase verification, snippet and highlight scans, facet
 * counting) calls {@link Budget.check}; everything a search decodes (postings, positions) is
 * charged with {@link Budget.charge}. Running out of either throws a {@link SearchBudgetError},
 * so no query, however built, costs more than its budget.
 *
 * Owns: the limits and the errors. Must not: decide what to do when they are exceeded (the caller
 * answers: a 503 over HTTP, a message in the CLI).
 */

/** A search stopped because it needed more time or memory than its budget allows. */
export class SearchBudgetError extends Error {
  constructor(
    readonly resource: 'time' | 'memory',
    /** The budget: milliseconds or bytes. */
    readonly limit: number,
    message: string,
  ) {
    super(message);
    this.name = 'SearchBudgetError';
  }
}

/** A search stopped at its time budget. */
export class SearchTimeoutError extends SearchBudgetError {
  constructor(readonly budgetMs: number) {
    super('time', budgetMs, `search took longer than its time budget of ${budgetMs} ms`);
    this.name = 'SearchTimeoutError';
  }
}

/** A search stopped at its memory budget (bytes of decoded postings and positions). */
export class SearchMemoryError extends SearchBudgetError {
  constructor(readonly budgetBytes: number) {
    super('memory', budgetBytes, `search needed more than its memory budget of ${Math.round(budgetBytes / 2 ** 20)} MiB of decoded postings`);
    this.name = 'SearchMemoryError';
  }
}

/** Default memory budget of one search: decoded postings and positions. */
export const DEFAULT_MEMORY_BUDGET_BYTES = 256 * 2 ** 20;

export class Budget {
  private readonly end: number;
  private used = 0;

  /**
   * A budget of `ms` milliseconds from now and `bytes` bytes of decoded data; `Infinity` never
   * runs out.
   */
  constructor(
    readonly ms: number,
    readonly bytes: number = DEFAULT_MEMORY_BUDGET_BYTES,
  ) {
    this.end = performance.now() + ms;
  }

  /** Throws {@link SearchTimeoutError} once the time is spent. */
  check(): void {
    if (performance.now() > this.end) throw new SearchTimeoutError(this.ms);
  }

  /** Counts `n` more bytes of decoded data; throws {@link SearchMemoryError} past the budget. */
  charge(n: number): void {
    this.used += n;
    if (this.used > this.bytes) throw new SearchMemoryError(this.bytes);
  }

  /** Bytes charged so far. */
  get usedBytes(): number {
    return this.used;
  }

  /** Milliseconds left (Infinity without a time limit). */
  get remainingMs(): number {
    return this.end - performance.now();
  }

  /** A budget without limits, for callers that bound the cost themselves. */
  static unlimited(): Budget {
    return new Budget(Infinity, Infinity);
  }
}

/**
 * `work`'s result, or {@link SearchTimeoutError} once `ms` milliseconds pass first (for work that
 * waits on another process, where a {@link Budget} cannot be checked in a loop; the work itself
 * goes on and its result is dropped).
 */
export async function withinTime<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([work, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new SearchTimeoutError(ms)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}
