/**
 * The zod schemas of the HTTP API: every request parameter (validated here, documented from here
 * in openapi.ts) and every response body (documented, and checked by the tests).
 *
 * Query values arrive from query-string.ts as a string, or an array of strings when repeated.
 * Scalars reject arrays ("give it once"); lists accept one or many values.
 *
 * Owns: parameter rules, defaults, limits and messages; response shapes. Must not: search or
 * send responses.
 */
import * as z from 'zod';
import { dateBound, DEFAULT_SNIPPET_LENGTH, FACET_NAMES, MAX_QUERY_TERMS, OPS, SORT_ORDERS, UNDATED } from '../index.js';

export const MAX_QUERY_LENGTH = 4000;
/**
 * Longest request target (path and query string) in bytes: room for a {@link MAX_QUERY_LENGTH}
 * character Chinese query percent-encoded (~36 KB) and some filters. Longer is a 414.
 */
export const MAX_URL_BYTES = 48 * 1024;
/** page * size may not pass this: deep pages are costly and nobody reads them. */
export const MAX_RESULT_WINDOW = 10_000;
export const MAX_LIST_VALUES = 50;
/** Largest facetSize: enough for every value of any facet (2,978 counties). */
export const MAX_FACET_SIZE = 10_000;

const ONCE = 'give this parameter only once';

/** A single text value. */
function text(max: number) {
  return z
    .string({ error: (issue) => (Array.isArray(issue.input) ? ONCE : 'must be text') })
    .max(max, { error: `must be at most ${max} characters` });
}

/** A whole number from `min` to `max` with a default. */
function integer(min: number, max: number, fallback: number, description: string) {
  return z
    .string({ error: (issue) => (Array.isArray(issue.input) ? ONCE : 'must be a whole number') })
    .regex(/^\d{1,9}$/, { error: 'must be a whole number' })
    .transform(Number)
    .pipe(z.number().int().min(min, { error: `must be from ${min} to ${max}` }).max(max, { error: `must be from ${min} to ${max}` }))
    .default(fallback)
    .meta({ description: `${description} (${min}-${max}, default ${fallback})` });
}

/** One of `values`. */
function choice<const T extends readonly [string, ...string[]]>(values: T, description: string) {
  return z
    .enum(values, { error: (issue) => (Array.isArray(issue.input) ? ONCE : `must be one of ${values.join(', ')}`) })
    .optional()
    .meta({ description });
}

/** A repeatable parameter: one value or several. */
function list(item: z.ZodString, description: string) {
  return z
    .preprocess((v) => (typeof v === 'string' ? [v] : v), z.array(item).max(MAX_LIST_VALUES, { error: `at most ${MAX_LIST_VALUES} values` }))
    .optional()
    .meta({ description: `${description} Repeatable; values are OR-ed.` });
}

const DATE = /^\d{4}(-\d{2}(-\d{2})?)?$/;

function dateParam(side: 'from' | 'to') {
  return text(10)
    .regex(DATE, { error: 'must be YYYY, YYYY-MM or YYYY-MM-DD' })
    .refine((v) => dateBound(v, side) !== null, { error: 'is not a real date' })
    .optional()
    .meta({ description: `${side === 'from' ? 'First' : 'Last'} day, inclusive: YYYY, YYYY-MM or YYYY-MM-DD.`, example: side === 'from' ? '2023-01' : '2023-12-31' });
}

/** Only whitespace (any Unicode space, the full-width 　 too). */
const BLANK = /^\p{White_Space}*$/u;

/** A filter value: not empty, not only spaces (the library trims it and would throw). */
function filterValue(max: number) {
  return text(max)
    .min(1, { error: 'must not be empty' })
    .refine((v) => !BLANK.test(v), { error: 'must not be blank' });
}

const regionValue = filterValue(64);
const keywordValue = filterValue(200);

/** `facets=province&facets=year`, `facets=province,year`, or `facets=none`. */
/** `literal=true`: the query exactly as typed, without query understanding. */
const literalParam = choice(
  ['true', 'false'],
  'true: search the query exactly as typed: pinyin and initials are not read as Chinese words, no synonyms are added, no typo is corrected (query.interpretations is empty). Default false.',
);

const facetsParam = z
  .preprocess(
    (v) => (typeof v === 'string' ? [v] : v),
    z.array(z.string()).transform((values) => values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '')),
  )
  .pipe(z.array(z.enum([...FACET_NAMES, 'none'], { error: `must be ${FACET_NAMES.join(', ')} or none` })))
  .transform((v) => v.filter((f) => f !== 'none'))
  .pipe(z.array(z.enum(FACET_NAMES)))
  .default([...FACET_NAMES])
  .meta({
    description:
      `Facets to count (repeatable or comma-separated; default all; none for no facets): ${FACET_NAMES.join(', ')}. ` +
      'province, city, county, source, library: by count, at most facetSize; city lists only prefectures of the chosen provinces, county only counties of the chosen prefectures (or provinces). ' +
      `year and month: chronological and complete (facetSize does not cut them); month only months of the years from/to span; year ends with { value: "${UNDATED}", count } (documents without a date), so that without a date filter the year counts add up to articles (like the years, it ignores the date filter). ` +
      'region: a tree of provinces by count (at most facetSize), each node { value, code, level, count }; a chosen province (or one holding a chosen city or county) has children (its prefectures, and the counties directly under it: municipalities\' districts), a chosen prefecture (or one holding a chosen county) its counties, with childrenTotal; chosen nodes are listed even past facetSize. ' +
      'Each facet ignores its own filter (region: each level its own) and honours the others. ' +
      'Counts are of articles, every copy of a story counted (copies differ in source and date), whether collapse is on or off.',
  });

export const searchParams = z
  .strictObject({
    q: text(MAX_QUERY_LENGTH)
      .default('')
      .meta({
        description:
          'Query: words (all must match), "exact phrase", -exclude, A OR B, title:word, (groups). Pinyin (tushuguan), initials (tsg) and synonyms (国图) are understood, and a typo no document has is corrected, unless literal=true (see query.interpretations). Empty lists the (filtered) documents newest first.',
        example: '图书馆 阅读推广',
      }),
    op: choice(
      OPS,
      'How words combine. auto (default): documents with every word first, then those missing the least informative words, by BM25 within; and: every word must match (without results, the least informative words are dropped one at a time: query.dropped); or: any word.',
    ),
    page: integer(1, MAX_RESULT_WINDOW, 1, `Page number; page * size at most ${MAX_RESULT_WINDOW}`),
    size: integer(1, 100, 10, 'Hits per page'),
    sort: choice(SORT_ORDERS, 'Order: relevance (default with a query), date_desc (default without), date_asc.'),
    province: list(regionValue, 'Province: official name (湖北省), short form (湖北) or GB/T 2260 code (420000), exactly (no prefixes); an unknown one is a 400.'),
    city: list(regionValue, 'Prefecture: official name (襄阳市), short form (襄阳, 海北州) or code (420600), exactly; an unknown one is a 400.'),
    county: list(regionValue, 'County: official name (随县), short form (雨花台) or code (421321), exactly; a name two counties share matches both; an unknown one is a 400.'),
    from: dateParam('from'),
    to: dateParam('to'),
    source: list(keywordValue, 'Source (publisher), exact (same script; spaces around it are trimmed).'),
    library: list(keywordValue, 'Library name, exact (same script; spaces around it are trimmed).'),
    undated: choice(
      ['only', 'exclude', 'include'],
      'Documents without a date: only (just them; not with from or to), exclude (just dated ones), include (default: both, unless from or to is set, which excludes them). Part of the date filter: the year and month facets ignore it.',
    ),
    facets: facetsParam,
    facetSize: integer(1, MAX_FACET_SIZE, 10, `Values per facet, up to the whole list (${MAX_FACET_SIZE}); year and month are always complete; facetTotals says how many there are`),
    facetQuery: text(100)
      .optional()
      .transform((v) => (v === undefined || BLANK.test(v) ? undefined : v))
      .meta({
        description:
          'Facet search: list only the values of the one facet named in facets= (required: exactly one) whose name contains this text, compared after Traditional -> Simplified, full-width -> half-width and lower-casing; region facets also match a code prefix (4201) and a short form naming the region (海北州 -> 海北藏族自治州, 粤 -> 广东省); region lists matching provinces, prefectures and counties flat. Ordered as the facet is (by count, at most facetSize; year and month chronologically); facetTotals counts the matching values. Blank is ignored.',
        example: '西安',
      }),
    snippetLength: integer(20, 1000, DEFAULT_SNIPPET_LENGTH, 'Snippet length in characters'),
    explain: choice(['true', 'false'], 'true: every hit carries explain, why it matched and how its score is made (per term and field BM25, proximity, tier).'),
    literal: literalParam,
    collapse: choice(
      ['true', 'false'],
      'true (default): one hit per story: the copies of a story (reposts found at indexing, or documents given the same duplicateOf) are collapsed into the best-ranked one, whose duplicates lists the other copies that match; total counts stories. false: every article is a hit (no duplicates field) and total counts articles. articles and the facet counts count articles either way.',
    ),
  })
  .superRefine((p, ctx) => {
    if (p.page * p.size > MAX_RESULT_WINDOW) ctx.addIssue({ code: 'custom', path: ['page'], message: `page * size must be at most ${MAX_RESULT_WINDOW}` });
    if (p.from && p.to && dateBound(p.from, 'from')! > dateBound(p.to, 'to')!) ctx.addIssue({ code: 'custom', path: ['from'], message: `is after to (${p.to})` });
    if (p.undated === 'only' && (p.from || p.to)) ctx.addIssue({ code: 'custom', path: ['undated'], message: 'only cannot be combined with from or to (documents without a date have none in a range)' });
    if (p.facetQuery !== undefined && new Set(p.facets).size !== 1) {
      ctx.addIssue({ code: 'custom', path: ['facetQuery'], message: `searches the values of one facet: name exactly one in facets (got ${p.facets.length ? p.facets.join(',') : 'none'})` });
    }
  });
export type SearchParams = z.output<typeof searchParams>;

/** Rows of an export at most (its `limit`). */
export const MAX_EXPORT_ROWS = 10_000;

/**
 * The export's own parameters; the others are those of the search exported (searchParams), of
 * which page and size are ignored (the export starts at the first hit) and facets, facetSize,
 * snippetLength and explain have no effect.
 */
export const exportParams = z.strictObject({
  format: z
    .enum(['csv', 'jsonl'], { error: (issue) => (Array.isArray(issue.input) ? ONCE : 'must be csv or jsonl') })
    .meta({ description: 'csv: RFC 4180, UTF-8 with a byte order mark, CRLF line ends, a header row; jsonl: JSON Lines, one object per line.' }),
  limit: integer(1, MAX_EXPORT_ROWS, MAX_EXPORT_ROWS, 'Rows at most: the first hits of the search, in its order'),
});

/** Similar documents at most. */
export const MAX_SIMILAR_SIZE = 20;

export const similarParams = z.strictObject({
  size: integer(1, MAX_SIMILAR_SIZE, 5, 'Similar documents'),
});

export const suggestParams = z.strictObject({
  q: text(100)
    .default('')
    .meta({ description: 'What the user typed so far.', example: '图书' }),
  limit: integer(1, 20, 8, 'Completions of each kind'),
});

/** Routes without parameters still reject unknown ones. */
export const noParams = z.strictObject({});

export const docParams = z.strictObject({
  q: text(MAX_QUERY_LENGTH)
    .optional()
    .meta({
      description:
        'A query whose matches to mark in titleHtml and contentHtml, read as the search reads it (pinyin, synonyms). To mark what a corrected search found, pass the query it searched (query.q of the search response).',
      example: '图书馆',
    }),
  literal: literalParam,
});

export const docPath = z.object({
  id: z.string().min(1, { error: 'must not be empty' }).max(1000, { error: 'must be at most 1000 characters' }).meta({ description: 'Document id (percent-encode /).' }),
});

// ---- Responses ----

const range = z.tuple([z.number().int(), z.number().int()]);
const region = z.object({ code: z.string(), province: z.string(), city: z.string().optional(), county: z.string().optional() });
const facetValue = z.object({
  value: z.string().meta({ description: `Official region name, YYYY (or ${UNDATED}: documents without a date), YYYY-MM, source or library.` }),
  code: z.string().optional().meta({ description: 'GB/T 2260 code (region facets).' }),
  level: z.enum(['province', 'city', 'county']).optional().meta({ description: 'region facet: the level of the node, i.e. the filter (province, city, county) choosing it sets.' }),
  count: z.number().int(),
  get children() {
    return z.array(facetValue).optional().meta({ description: 'region facet: the prefectures (and counties without one) of a chosen province, the counties of a chosen prefecture; by count, at most facetSize (plus chosen ones).' });
  },
  childrenTotal: z.number().int().optional().meta({ description: 'region facet, with children: how many children with a count there are.' }),
}).meta({ id: 'FacetValue' });

/** The stored metadata of a document, as hits and the document route return it. */
const documentMeta = {
  date: z.string().nullable(),
  source: z.string().nullable(),
  author: z.string().nullable(),
  url: z.string().nullable(),
  tags: z.array(z.string()),
  regions: z.array(region),
  libraries: z.array(z.string()),
};

const contribution = z.object({
  term: z.string(),
  field: z.enum(['title', 'content', 'tags']),
  match: z.enum(['word', 'substring', 'phrase']).meta({ description: 'word: jieba produced the word; substring: its characters inside other words (scored x substringWeight); phrase: occurrences of the phrase.' }),
  tf: z.number(),
  idf: z.number(),
  boost: z.number(),
  norm: z.number().meta({ description: 'k1 * (1 - b + b * dl / avgdl)' }),
  score: z.number().meta({ description: 'boost * idf * (k1 + 1) * tf / (tf + norm) (x substringWeight for a substring match)' }),
});

const explanation = z.object({
  score: z.number(),
  bm25: z.number(),
  proximity: z.number().meta({ description: 'How close together the hit has the query words, 0 to 1.' }),
  proximityWeight: z.number(),
  tier: z.number().int().meta({ description: 'How many of the query words, most informative first, the hit has before the first it lacks (op=auto).' }),
  terms: z.array(contribution),
});

const interpretation = z.object({
  from: z.string().meta({ description: 'The part of the query read (tushuguan, tsg, 国图, 图书管).' }),
  to: z.array(z.string()).meta({ description: 'What it was read as: the words searched for it, most likely first (synonyms: the forms added to it).' }),
  kind: z.enum(['pinyin', 'initials', 'synonym', 'correction']).meta({
    description: 'pinyin: full or mixed pinyin read as Chinese words; initials: pinyin initials (tsg); synonym: other forms also searched (国图 -> 国家图书馆); correction: a same-sound or near-sound typo corrected.',
  }),
  excluded: z.literal(true).optional().meta({ description: 'Set when the part is excluded (-国图): every form it was read as is excluded.' }),
});

export const searchHit = z.object({
  id: z.string(),
  score: z.number(),
  unavailable: z
    .literal(true)
    .optional()
    .meta({ description: 'Present when the stored document could not be read (a damaged index file): the hit keeps its place, id and score; title, snippet and metadata are empty.' }),
  title: z.string(),
  titleHtml: z.string().meta({ description: 'Title, HTML-escaped, matches in <mark>.' }),
  snippetHtml: z.string().meta({ description: 'Best passage(s) of the content, HTML-escaped, matches in <mark>, original script.' }),
  highlights: z.array(range).meta({ description: 'The matches in the content as [start, end) UTF-16 offsets.' }),
  ...documentMeta,
  explain: explanation.optional().meta({ description: 'With explain=true: the score = bm25 x (1 + proximityWeight x proximity), bm25 = the sum of terms[].score; hits rank by tier, then score.' }),
  duplicates: z
    .array(z.object({ id: z.string(), title: z.string(), source: z.string().nullable(), date: z.string().nullable(), url: z.string().nullable() }))
    .optional()
    .meta({
      description:
        'With collapse=true (the default): the other copies of this hit\'s story that match the query and pass the filters, in hit order (this hit, the best-ranked copy, excluded); empty when none. Absent with collapse=false.',
    }),
});

export const searchResponse = z.object({
  query: z.object({
    q: z.string(),
    terms: z.array(z.string()),
    excluded: z.array(z.string()),
    op: z.enum(['auto', 'and', 'or']),
    relaxed: z.boolean().meta({ description: 'True when the best hits lack some of the words (listed in dropped).' }),
    dropped: z.array(z.string()).meta({ description: 'Words and phrases the best hits do not have, in the order they were dropped (least informative first).' }),
    stopWords: z.array(z.string()).meta({ description: 'Stop words of the query (的, 了, 在, ...), left out of matching.' }),
    ignored: z.array(z.string()).meta({ description: `Terms and phrases left out, the least informative: a query keeps at most ${MAX_QUERY_TERMS} distinct ones.` }),
    interpretations: z.array(interpretation).meta({
      description: 'How parts of the query were read (query understanding), in query order; empty when it was searched exactly as typed (always with literal=true).',
    }),
    correctedFrom: z
      .string()
      .optional()
      .meta({
        description:
          'Present when the results are those of a corrected query: the query as typed (q is the corrected query searched). Set only when no document has the typed text; search it anyway with literal=true.',
      }),
    didYouMean: z
      .string()
      .optional()
      .meta({ description: 'A corrected query offered, not searched: the typed text is in the index, but the correction is far more common.' }),
  }),
  total: z.number().int().meta({ description: 'Hits as listed: stories with collapse=true (the default), articles with collapse=false.' }),
  articles: z.number().int().meta({ description: 'Matching articles, every copy of a story counted (equals total with collapse=false).' }),
  partial: z.boolean().optional().meta({ description: 'Cluster backend only: true when some shard did not answer within the timeout (totals, facets and hits lack its documents).' }),
  shards: z
    .object({ total: z.number().int(), failed: z.number().int() })
    .optional()
    .meta({ description: 'Cluster backend only: the shards asked and those that did not answer.' }),
  page: z.number().int(),
  size: z.number().int(),
  tookMs: z.number(),
  hits: z.array(searchHit),
  facets: z.partialRecord(z.enum(FACET_NAMES), z.array(facetValue)).meta({ description: 'Counts of articles (every copy of a story counted), with collapse on or off.' }),
  facetTotals: z
    .partialRecord(z.enum(FACET_NAMES), z.number().int())
    .meta({ description: 'Per facet returned: how many values with a count it has in this result (with facetQuery: how many match), so a client knows whether more than the listed ones exist. region: provinces (with facetQuery: matching regions of every level).' }),
});

export const docResponse = z.object({
  id: z.string(),
  title: z.string(),
  content: z.string(),
  titleHtml: z.string(),
  contentHtml: z.string().meta({ description: 'The content, HTML-escaped, one <p> per paragraph (line) of the stored text, with the query\'s matches in <mark>.' }),
  highlights: z.object({ title: z.array(range), content: z.array(range) }),
  ...documentMeta,
  extra: z.record(z.string(), z.unknown()),
});

export const similarResponse = z.object({
  id: z.string().meta({ description: 'The document whose similar documents these are.' }),
  terms: z.array(z.string()).meta({ description: 'Its most informative words (term frequency in title and content x idf), searched as an OR query, most informative first.' }),
  hits: z
    .array(z.object({ id: z.string(), title: z.string(), date: z.string().nullable(), source: z.string().nullable(), url: z.string().nullable(), score: z.number() }))
    .meta({ description: 'The most similar documents, most similar first (BM25 score of the OR query); never the document itself or a copy of its story (its duplicate group).' }),
});

export const suggestResponse = z.object({
  q: z.string(),
  words: z.array(z.object({ text: z.string(), count: z.number().int() })),
  titles: z.array(z.object({ id: z.string(), title: z.string() })),
});

export const healthResponse = z.object({ status: z.literal('ok'), documents: z.number().int(), version: z.number().int() });

export const statsResponse = z.object({
  documents: z.number().int(),
  version: z.number().int(),
  builtAt: z.string().nullable(),
  segments: z.number().int(),
  terms: z.record(z.string(), z.object({ words: z.number().int(), grams: z.number().int() })),
});

export const errorResponse = z.object({
  error: z.object({
    code: z.enum(['invalid_parameter', 'bad_request', 'not_found', 'method_not_allowed', 'uri_too_long', 'search_timeout', 'search_memory', 'too_many_requests', 'overloaded', 'document_unavailable', 'internal', 'invalid_document', 'unauthorized', 'forbidden', 'writes_disabled', 'payload_too_large', 'unsupported_media_type']),
    message: z.string(),
    details: z.unknown(),
  }),
});

// ---- The write API (write-routes.ts) ----

/** Largest JSON document (one `PUT` / `POST` body, or one NDJSON line), in bytes. */
export const MAX_DOCUMENT_BYTES = 1024 * 1024;
/** Largest NDJSON bulk body, in bytes (streamed: never held whole). Over it: 413, the lines before it kept. */
export const MAX_BULK_BYTES = 32 * 1024 * 1024;

const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;

function docText(max: number, description: string) {
  return z.string({ error: 'must be a string' }).max(max, { error: `must be at most ${max} characters` }).optional().meta({ description });
}

/** A document as the write API takes it (`DocumentInput`; regions and libraries are found by enrichment). */
export const documentBody = z
  .strictObject(
    {
      id: z
        .string({ error: 'required: a string' })
        .min(1, { error: 'must not be empty' })
        .max(1000, { error: 'must be at most 1000 characters' })
        .refine((v) => !BLANK.test(v), { error: 'must not be blank' })
        .meta({ description: 'Stable external id; writing the same id again replaces the document. With PUT, optional (the path names it) and must equal the path\'s.' }),
      title: docText(10_000, 'Headline.'),
      content: z
        .string({ error: 'required: a string (the article text)' })
        .max(MAX_DOCUMENT_BYTES, { error: `must be at most ${MAX_DOCUMENT_BYTES} characters` })
        .meta({ description: 'The article text (required; may be empty).' }),
      tags: z.array(z.string({ error: 'must be a string' }).max(200), { error: 'must be an array of strings' }).max(100, { error: 'at most 100 tags' }).optional(),
      date: z
        .string({ error: 'must be a string YYYY-MM-DD' })
        .regex(ISO_DAY, { error: 'must be YYYY-MM-DD' })
        .refine((v) => dateBound(v, 'from') !== null, { error: 'is not a real date' })
        .optional()
        .meta({ description: 'Publication date, YYYY-MM-DD.', example: '2023-06-21' }),
      url: docText(2000, 'Link to the article.'),
      source: docText(200, 'Publisher or site.'),
      author: docText(200, 'Author or reporter.'),
      duplicateOf: docText(1000, 'Id of the original of this article\'s story (searches collapse copies).'),
      extra: z.record(z.string(), z.unknown(), { error: 'must be an object' }).optional().meta({ description: 'Any other fields, stored and returned as they are.' }),
    },
    { error: (issue) => (issue.code === 'invalid_type' ? 'a document must be a JSON object' : undefined) },
  )
  .meta({ id: 'DocumentInput', description: 'Regions, libraries and a cleaned date are added by enrichment, as `zhsearch index` does.' });

/** `PUT` body: the id may be left out (the path gives it). */
export const putDocumentBody = documentBody.extend({ id: documentBody.shape.id.optional() });

export const writeParams = z.strictObject({
  refresh: choice(
    ['wait_for', 'false'],
    'wait_for: answer once the write is committed and searchable (status "visible"); default (false): answer once it is durable (status "enqueued"), searchable within the refresh interval (default 1 s).',
  ),
});

export const writeReceipt = z.object({
  taskId: z.number().int().meta({ description: 'Increasing number of this write (unique for the server process; starts at its start time in ms).' }),
  status: z.enum(['enqueued', 'visible']).meta({ description: 'enqueued: durable (survives a crash), searchable within the refresh interval; visible: committed, searchable now.' }),
  generation: z.number().int().nullable().meta({ description: 'The index version that includes the write (status visible), else null.' }),
});

export const writeResponse = writeReceipt.extend({
  id: z.string(),
  operation: z.enum(['put', 'delete']),
});

export const failedLine = z.object({
  line: z.number().int().meta({ description: 'Line number in the body, from 1.' }),
  id: z.string().optional().meta({ description: 'The document id, when the line has one.' }),
  error: z.string(),
});

export const bulkResponse = writeReceipt
  .extend({
    received: z.number().int().meta({ description: 'Non-empty lines read.' }),
    accepted: z.number().int().meta({ description: 'Documents written.' }),
    failed: z.array(failedLine).meta({ description: 'The lines not written, with why (at most 1000 listed; failedCount counts all).' }),
    failedCount: z.number().int(),
  })
  .meta({ id: 'BulkResponse' });
