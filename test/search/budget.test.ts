import { describe, expect, it } from 'vitest';
import { Budget, SearchMemoryError, SearchTimeoutError, withinTime } from '../../src/search/budget.js';

describe('withinTime', () => {
  it("gives the work's result when it comes first", async () => {
    await expect(withinTime(1000, new Promise((res) => setTimeout(() => res(42), 5)))).resolves.toBe(42);
  });

  it('rejects with SearchTimeoutError naming the budget once the time passes first', async () => {
    const started = performance.now();
    const err = await withinTime(30, new Promise(() => undefined)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SearchTimeoutError);
    expect((err as SearchTimeoutError).budgetMs).toBe(30);
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);
  });

  it("passes the work's own error through", async () => {
    await expect(withinTime(1000, Promise.reject(new RangeError('bad')))).rejects.toThrow(RangeError);
  });
});

describe('Budget', () => {
  it('throws past its memory budget, not before', () => {
    const b = new Budget(Infinity, 100);
    b.charge(100);
    expect(b.usedBytes).toBe(100);
    expect(() => b.charge(1)).toThrow(SearchMemoryError);
  });

  it('throws past its time budget', async () => {
    const b = new Budget(10);
    b.check();
    await new Promise((r) => setTimeout(r, 20));
    expect(() => b.check()).toThrow(SearchTimeoutError);
  });
});
