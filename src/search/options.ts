/**
 * Validation of the library API's options: `SearchOptions` (with its filters), `IndexOptions` and
 * the options of `add()`. A bad option throws at once with a message naming it, e.g.
 * `RangeError: size: must be a whole number from 1 to 1000000` (a value of the wrong type is a
 * `TypeError`, an unknown option name a `TypeError` too, so that `filter:` for `filters:` does not
 * pass silently; a bad filter value a `FilterError`, as in filters.ts). The values the HTTP API sends are already checked by its own schemas (strings
 * of a query string, src/server/schemas.ts), which share the lists below through src/index.ts.
 *
 * What is checked here is the shape and the range of each value. What needs the index (an
 * unknown region, a blank filter value) stays with filters.ts (`FilterError`).
 *
 * Owns: the option schemas, their limits and messages. Must not: search, or know about HTTP.
 */
import * as z from 'zod';
import { FACET_NAMES } from './facets.js';
import { FilterError } from './filters.js';

/** How juxtaposed words combine (`op`). */
export const OPS = ['auto', 'and', 'or'] as const;
/** Orders of hits (`sort`). */
export const SORT_ORDERS = ['relevance', 'date_desc', 'date_asc'] as const;
/** Most hits per page the library gives (`size`; e.g. every document of an index at once); the HTTP API allows far fewer. */
export const MAX_PAGE_SIZE = 1_000_000;
/** `page * size` at most: the hits collected for one page. */
export const MAX_LIBRARY_WINDOW = 1_000_000;
/** Most values of one list filter. */
export const MAX_FILTER_VALUES = 1_000;
/** Largest `facetSize` (every value of any facet: 2,978 counties). */
export const MAX_FACET_VALUES = 10_000;
/** Longest `snippetLength`. */
export const MAX_SNIPPET_LENGTH = 100_000;

function whole(min: number, max: number) {
  const range = `must be a whole number from ${min} to ${max}`;
  return z
    .number({ error: `must be a number (${range.slice(5)})` })
    .int({ error: range })
    .min(min, { error: range })
    .max(max, { error: range })
    .optional();
}

/** A number above 0 (Infinity too: no limit). */
function positive() {
  return z
    .custom<number>((v) => typeof v === 'number' && v > 0, { error: (issue) => (typeof issue.input === 'number' ? 'must be a number above 0' : 'must be a number (above 0)') })
    .optional();
}

/** A budget: 0 or more (0 is spent at once; Infinity: no limit). */
function budget() {
  return z
    .custom<number>((v) => typeof v === 'number' && v >= 0, { error: (issue) => (typeof issue.input === 'number' ? 'must be a number, 0 or more' : 'must be a number (0 or more)') })
    .optional();
}

function flag() {
  return z.boolean({ error: 'must be true or false' }).optional();
}

function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: (issue) => (typeof issue.input === 'string' ? `must be one of ${values.join(', ')} (got "${issue.input}")` : `must be one of ${values.join(', ')}`) }).optional();
}

/** A list filter: one string, or an array of strings. */
const listFilter = z
  .preprocess(
    (v) => (typeof v === 'string' ? [v] : v),
    z
      .array(z.string({ error: 'every value must be a string' }), { error: 'must be a string or an array of strings' })
      .max(MAX_FILTER_VALUES, { error: `at most ${MAX_FILTER_VALUES} values` }),
  )
  .optional();

const dateFilter = z.string({ error: 'must be a string: YYYY, YYYY-MM or YYYY-MM-DD' }).optional();

export const filtersSchema = z
  .strictObject(
    {
      province: listFilter,
      city: listFilter,
      county: listFilter,
      from: dateFilter,
      to: dateFilter,
      source: listFilter,
      library: listFilter,
      undated: oneOf(['only', 'exclude']),
    },
    { error: (issue) => (issue.code === 'unrecognized_keys' ? `unknown filter ${issue.keys.join(', ')} (known: province, city, county, from, to, source, library, undated)` : 'must be an object') },
  )
  .optional();

const rankingSchema = z
  .strictObject(
    {
      boosts: z
        .strictObject(
          {
            title: z.number({ error: 'must be a number' }).min(0, { error: 'must not be negative' }).optional(),
            content: z.number({ error: 'must be a number' }).min(0, { error: 'must not be negative' }).optional(),
            tags: z.number({ error: 'must be a number' }).min(0, { error: 'must not be negative' }).optional(),
          },
          { error: (issue) => (issue.code === 'unrecognized_keys' ? `unknown field ${issue.keys.join(', ')} (title, content, tags)` : 'must be an object') },
        )
        .optional(),
      k1: z.number({ error: 'must be a number' }).min(0, { error: 'must not be negative' }).optional(),
      b: z.number({ error: 'must be a number' }).min(0, { error: 'must be from 0 to 1' }).max(1, { error: 'must be from 0 to 1' }).optional(),
      substringWeight: z.number({ error: 'must be a number' }).min(0, { error: 'must not be negative' }).optional(),
      proximity: z.number({ error: 'must be a number' }).min(0, { error: 'must not be negative' }).optional(),
      commonCutoff: z.number({ error: 'must be a number' }).min(0, { error: 'must be from 0 to 1' }).max(1, { error: 'must be from 0 to 1' }).optional(),
    },
    { error: (issue) => (issue.code === 'unrecognized_keys' ? `unknown ranking option ${issue.keys.join(', ')}` : 'must be an object') },
  )
  .optional();

export const searchOptionsSchema = z
  .strictObject(
    {
      op: oneOf(OPS),
      page: whole(1, MAX_LIBRARY_WINDOW),
      size: whole(1, MAX_PAGE_SIZE),
      sort: oneOf(SORT_ORDERS),
      ranking: rankingSchema,
      relax: flag(),
      filters: filtersSchema,
      facets: z
        .array(z.enum(FACET_NAMES, { error: (issue) => `unknown facet ${JSON.stringify(issue.input)} (known: ${FACET_NAMES.join(', ')})` }), { error: 'must be an array of facet names' })
        .optional(),
      facetSize: whole(1, MAX_FACET_VALUES),
      facetQuery: z.string({ error: 'must be a string' }).optional(),
      snippetLength: whole(1, MAX_SNIPPET_LENGTH),
      highlight: flag(),
      timeoutMs: budget(),
      memoryBytes: budget(),
      prune: flag(),
      explain: flag(),
      maxTerms: whole(1, 256),
      literal: flag(),
      collapse: flag(),
    },
    { error: (issue) => (issue.code === 'unrecognized_keys' ? `unknown search option ${issue.keys.join(', ')}` : 'search options must be an object') },
  )
  .superRefine((o, ctx) => {
    if ((o.page ?? 1) * (o.size ?? 10) > MAX_LIBRARY_WINDOW) ctx.addIssue({ code: 'custom', path: ['page'], input: o.page, message: `page * size must be at most ${MAX_LIBRARY_WINDOW}` });
  });

const stringList = z.array(z.string({ error: 'every entry must be a string' }), { error: 'must be an array of strings' });

export const indexOptionsSchema = z.strictObject(
  {
    threads: whole(0, 256),
    userDicts: stringList.optional(),
    memoryBudget: positive(),
    maxSegments: whole(1, 10_000),
    force: flag(),
    stopWords: z
      .union([z.string(), z.custom<Iterable<string>>((v) => v != null && typeof v === 'object' && Symbol.iterator in v)], { error: 'must be a file name or a list of words' })
      .optional(),
    synonyms: z
      .array(z.union([z.string(), z.strictObject({ lines: stringList })], { error: 'every entry must be a file name or { lines: string[] }' }), { error: 'must be an array of files or { lines }' })
      .optional(),
    onWarning: z.custom<(message: string) => void>((v) => typeof v === 'function', { error: 'must be a function' }).optional(),
    lockOwner: z.custom<() => string>((v) => typeof v === 'function', { error: 'must be a function' }).optional(),
    enrich: flag(),
    dedupe: flag(),
  },
  { error: (issue) => (issue.code === 'unrecognized_keys' ? `unknown index option ${issue.keys.join(', ')}` : 'index options must be an object') },
);

export const addOptionsSchema = z.strictObject(
  { enrich: flag(), dedupe: flag() },
  { error: (issue) => (issue.code === 'unrecognized_keys' ? `unknown add option ${issue.keys.join(', ')} (enrich, dedupe)` : 'add options must be an object') },
);

const FILTER_ERROR_NAMES: ReadonlySet<string> = new Set(['province', 'city', 'county', 'source', 'library', 'undated']);

/**
 * Checks `value` against `schema`; throws the first problem as a `TypeError` (wrong type, unknown
 * name) or a `RangeError` (a value out of range or not one of the allowed), named by its path:
 * `size: must be a whole number from 1 to 1000000`, `filters.from: must be a string: YYYY, YYYY-MM or YYYY-MM-DD`.
 * A bad value of a list filter or of `undated` throws a {@link FilterError} (a RangeError naming
 * the filter and the value), as filters.ts does for a blank or unknown one.
 */
export function checkOptions(schema: z.ZodType, value: unknown): void {
  const r = schema.safeParse(value, { reportInput: true });
  if (r.success) return;
  const issue = r.error.issues[0];
  const [first, filter] = issue.path.map(String);
  if (first === 'filters' && filter && FILTER_ERROR_NAMES.has(filter)) {
    // A bad value of a list filter (or of undated) is a FilterError, as a blank or unknown one is.
    const input = 'input' in issue ? issue.input : undefined;
    throw new FilterError(filter as FilterError['filter'], typeof input === 'string' ? input : JSON.stringify(input) ?? String(input), issue.message);
  }
  const path = issue.path.map(String).join('.');
  const message = path ? `${path}: ${issue.message}` : issue.message;
  const typeError =
    // (zod reports a number that is not whole as invalid_type: a value out of range here.)
    (issue.code === 'invalid_type' && issue.expected !== 'int') ||
    issue.code === 'unrecognized_keys' || issue.code === 'invalid_union' || (issue.code === 'custom' && 'input' in issue && typeof issue.input !== 'number');
  throw typeError ? new TypeError(message) : new RangeError(message);
}
