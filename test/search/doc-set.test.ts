/**
 * Document-list algebra (src/search/doc-set.ts) against plain Set arithmetic on random sorted lists.
 */
import { describe, expect, it } from 'vitest';
import { intersectUnions, unionDocs } from '../../src/search/doc-set.js';
import { random } from '../helpers.js';

/** A sorted list of distinct documents below `max`, each present with probability `p`. */
function randomList(rnd: () => number, max: number, p: number): Int32Array {
  const out: number[] = [];
  for (let d = 0; d < max; d++) if (rnd() < p) out.push(d);
  return Int32Array.from(out);
}

describe('doc-set', () => {
  it('intersectUnions keeps exactly the documents found in some list of every group', () => {
    const rnd = random(5);
    for (let round = 0; round < 300; round++) {
      const max = 1 + Math.floor(rnd() * 2000);
      const groups = Array.from({ length: 1 + Math.floor(rnd() * 4) }, () =>
        // A group of 0-3 lists (a leaf with no matching field is an empty group), sparse or dense.
        Array.from({ length: Math.floor(rnd() * 4) }, () => randomList(rnd, max, rnd() < 0.5 ? rnd() * 0.02 : rnd())),
      );
      const expected: number[] = [];
      for (let d = 0; d < max; d++) if (groups.every((g) => g.some((l) => l.includes(d)))) expected.push(d);
      expect([...intersectUnions(groups)], `round ${round}`).toEqual(expected);
    }
  });

  it('unionDocs merges sorted lists without repeats', () => {
    const rnd = random(6);
    for (let round = 0; round < 100; round++) {
      const lists = Array.from({ length: Math.floor(rnd() * 5) }, () => randomList(rnd, 500, rnd()));
      const expected = [...new Set(lists.flatMap((l) => [...l]))].sort((a, b) => a - b);
      expect([...unionDocs(lists)]).toEqual(expected);
    }
  });
});
