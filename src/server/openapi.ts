/**
 * The OpenAPI 3.1 description of the API (`GET /api/openapi.json`), generated from the zod
 * schemas in schemas.ts with `z.toJSONSchema`, so the documentation cannot drift from validation.
 *
 * Owns: the document's structure (paths, operations, responses). Must not: define parameter
 * rules (schemas.ts) or serve anything.
 */
import { readFileSync } from 'node:fs';
import * as z from 'zod';
import {
  docParams,
  docPath,
  docResponse,
  errorResponse,
  exportParams,
  healthResponse,
  noParams,
  searchParams,
  searchResponse,
  similarParams,
  similarResponse,
  statsResponse,
  suggestParams,
  suggestResponse,
  bulkResponse,
  documentBody,
  MAX_BULK_BYTES,
  MAX_DOCUMENT_BYTES,
  putDocumentBody,
  writeParams,
  writeResponse,
} from './schemas.js';

type JsonObject = Record<string, unknown>;

function jsonSchema(schema: z.ZodType): JsonObject {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any' }) as JsonObject;
  return rest;
}

/** One OpenAPI parameter per key of a parameter object. */
function parameters(schema: z.ZodObject, where: 'query' | 'path'): JsonObject[] {
  return Object.entries(schema.shape).map(([name, field]) => {
    const s = jsonSchema(field as z.ZodType);
    const { description, example, ...rest } = s;
    const required = where === 'path' || !(field as z.ZodType).safeParse(undefined).success;
    return {
      name,
      in: where,
      required,
      description,
      ...(example === undefined ? {} : { example }),
      ...(rest.type === 'array' ? { style: 'form', explode: true } : {}),
      schema: rest,
    };
  });
}

const json = (description: string, ref: string) => ({ description, content: { 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } } } });
const errors = {
  '400': json('Invalid parameter (the message and details name it).', 'Error'),
  '404': json('Unknown route or document.', 'Error'),
  '405': json('Method not allowed (see the Allow header).', 'Error'),
  '414': json('URL longer than the limit.', 'Error'),
};
const busy = {
  '429': json('too_many_requests: this client has its share of expensive searches running; retry after `Retry-After` seconds.', 'Error'),
  '503': json('search_timeout, search_memory or overloaded, as for /api/search.', 'Error'),
};
const cached = { '304': { description: 'Not modified: the index version and the request are the same as for the ETag sent.' } };

function operation(operationId: string, summary: string, params: JsonObject[], response: string, extra: JsonObject = {}): JsonObject {
  return { get: { operationId, summary, parameters: params, responses: { '200': json('OK', response), ...extra, ...errors } } };
}

function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string }).version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

const keyErrors = {
  '401': json('unauthorized: no key, or a key that is not valid (see the WWW-Authenticate header).', 'Error'),
  '403': json('forbidden: a search key on a write route; writes_disabled: the server has no admin key (the write API is off).', 'Error'),
  '429': json('too_many_requests: over the rate limit of this client address or key; retry after `Retry-After` seconds.', 'Error'),
};
const accepted = {
  '200': json('status visible (with ?refresh=wait_for): committed and searchable.', 'WriteReceipt'),
  '202': json('status enqueued: durable (written to the write-ahead log and synced), searchable within the refresh interval (default 1 s).', 'WriteReceipt'),
};
const documentSchema = (schema: z.ZodType) => ({ content: { 'application/json': { schema: jsonSchema(schema) } } });
const idInvalid = json(`invalid_document (details.failed: [{ line: 1, id, error }]), invalid_parameter; 413 for a body over ${MAX_DOCUMENT_BYTES} bytes.`, 'Error');

/** The write routes (write-routes.ts): the admin key only. */
function writePaths(): JsonObject {
  const security = [{ adminKey: [] }];
  const refresh = parameters(writeParams, 'query');
  return {
    '/api/documents': {
      post: {
        operationId: 'addDocuments',
        summary:
          `Adds or replaces documents (by id). application/json: one document. application/x-ndjson: one document per line (bulk, at most ${MAX_BULK_BYTES} bytes, each line at most ${MAX_DOCUMENT_BYTES}), read as it arrives; ` +
          'a bad line is listed in failed with its number and why, the other lines are written (400 when no line could be). Regions, libraries and a cleaned date are added as `zhsearch index` adds them.',
        security,
        parameters: refresh,
        requestBody: {
          required: true,
          content: {
            'application/json': { schema: { $ref: '#/components/schemas/DocumentInput' } },
            'application/x-ndjson': { schema: { type: 'string', description: 'One DocumentInput JSON object per line.' } },
          },
        },
        responses: {
          '200': json('One document: its receipt (WriteResponse). Bulk (BulkResponse): status visible.', 'BulkResponse'),
          '202': json('One document: its receipt (WriteResponse). Bulk (BulkResponse): status enqueued; failed lists the lines not written.', 'BulkResponse'),
          '400': idInvalid,
          '413': json('payload_too_large: a bulk body over the limit; the lines before it were written (details.written).', 'Error'),
          '415': json('unsupported_media_type: send application/json or application/x-ndjson.', 'Error'),
          ...keyErrors,
        },
      },
    },
    '/api/documents/{id}': {
      put: {
        operationId: 'putDocument',
        summary: 'Adds or replaces the document with this id (the body\'s id may be left out; if given it must be the same).',
        security,
        parameters: [...parameters(docPath, 'path'), ...refresh],
        requestBody: { required: true, ...documentSchema(putDocumentBody) },
        responses: { ...accepted, '400': idInvalid, '415': json('unsupported_media_type: send application/json.', 'Error'), ...keyErrors },
      },
      delete: {
        operationId: 'deleteDocument',
        summary: 'Deletes the document with this id (no error when there is none).',
        security,
        parameters: [...parameters(docPath, 'path'), ...refresh],
        responses: { ...accepted, ...keyErrors },
      },
    },
  };
}

/** Builds the document (once per app). */
export function openApiDocument(): JsonObject {
  return {
    openapi: '3.1.0',
    info: {
      title: 'zhsearch',
      version: packageVersion(),
      description:
        'Chinese full-text search. Errors are `{ "error": { "code", "message", "details" } }`. Repeatable parameters are given once per value ' +
        '(`province=湖北&province=湖南`); scalar parameters must not repeat; unknown parameters are rejected. ' +
        'Keys (`Authorization: Bearer <key>`): the write routes need the admin key; reads need none unless the server has search keys, then a search key or the admin key ' +
        '(/api/health and /api/openapi.json stay open). Without a valid key: 401 with WWW-Authenticate; a key without the right: 403. ' +
        'Rate limits per client address and per key: 429 with Retry-After.',
    },
    security: [{}, { searchKey: [] }, { adminKey: [] }],
    paths: {
      '/api/search': operation(
        'search',
        'Search with a query, filters and facets. Facet counts cover the whole match set; each facet ignores its own filter.',
        parameters(searchParams, 'query'),
        'SearchResponse',
        {
          ...cached,
          '429': json('too_many_requests: this client has its share of expensive searches running; retry after `Retry-After` seconds.', 'Error'),
          '503': json(
            'search_timeout: the search took longer than the server\'s time budget (default 2 s); search_memory: it would decode more than its memory budget; overloaded: too many expensive searches are waiting (see `Retry-After`).',
            'Error',
          ),
        },
      ),
      '/api/docs/{id}': operation('getDocument', 'One stored document, optionally with a query highlighted.', [...parameters(docPath, 'path'), ...parameters(docParams, 'query')], 'Document', {
        ...cached,
        '503': json('search_timeout: highlighting the query took longer than the server\'s time budget.', 'Error'),
      }),
      '/api/docs/{id}/similar': operation(
        'similarDocuments',
        'The documents most similar to this one: its most informative words (term frequency in title and content x idf) searched as an OR query, the document and the copies of its story (duplicate group) left out.',
        [...parameters(docPath, 'path'), ...parameters(similarParams, 'query')],
        'Similar',
        { ...cached, ...busy },
      ),
      '/api/feed.atom': {
        get: {
          operationId: 'feed',
          summary:
            'The Atom 1.0 feed of a search (the parameters of /api/search): its newest matching articles first (sort is always date_desc, undated articles last), the first size entries (default 20, at most 100; page, facets and explain are ignored). ' +
            'Feed: a Chinese title naming the search, a stable id of the search (urn:zhsearch:search:…), updated = the newest entry\'s date (else the index\'s commit time), links to itself and to the search page. ' +
            'Entry: id urn:zhsearch:doc:<id>, title, a link to the article\'s URL (else to the page\'s article view), published/updated = its date at 00:00+08:00 (undated: updated = the index\'s commit time), author = source · author, summary = the snippet as plain text, categories for regions (term = code) and libraries.',
          parameters: parameters(searchParams, 'query'),
          responses: { '200': { description: 'OK', content: { 'application/atom+xml': { schema: { type: 'string' } } } }, ...cached, ...busy, ...errors },
        },
      },
      '/api/export': {
        get: {
          operationId: 'export',
          summary:
            'The results of a search (the parameters of /api/search; page and size are ignored, facets, snippets and explain not computed) from the first hit, in the search\'s order, at most limit rows, streamed. ' +
            'Fields: id, title, date, source, author, url, regions, libraries. csv: header row id,title,date,source,author,url,regions,region_codes,libraries; regions as 湖北省/襄阳市; 湖南省/长沙市, region_codes 420600; 430100, libraries joined with "; ". ' +
            'jsonl: one object per line, regions as objects { code, province, city?, county? }. Sent as an attachment zhsearch-<date>.<format>; X-Total-Count is the search\'s total.',
          parameters: [...parameters(exportParams, 'query'), ...parameters(searchParams, 'query').filter((p) => p.name !== 'page' && p.name !== 'size')],
          responses: {
            '200': {
              description: 'OK',
              headers: { 'X-Total-Count': { description: 'Documents the search matched (the rows are at most limit of them).', schema: { type: 'integer' } } },
              content: { 'text/csv': { schema: { type: 'string' } }, 'application/x-ndjson': { schema: { type: 'string' } } },
            },
            ...busy,
            ...errors,
          },
        },
      },
      '/api/suggest': operation('suggest', 'Words and titles starting with the input.', parameters(suggestParams, 'query'), 'Suggestions', cached),
      '/api/health': operation('health', 'Liveness and the index version served.', parameters(noParams, 'query'), 'Health'),
      '/api/stats': operation('stats', 'Documents, index version and build time.', parameters(noParams, 'query'), 'Stats'),
      '/api/openapi.json': { get: { operationId: 'openapi', summary: 'This document.', responses: { '200': { description: 'OpenAPI 3.1 document' } } } },
      ...writePaths(),
    },
    components: {
      securitySchemes: {
        adminKey: { type: 'http', scheme: 'bearer', description: 'The admin key (ZHSEARCH_ADMIN_KEY or --admin-key-file): writes, and reads.' },
        searchKey: { type: 'http', scheme: 'bearer', description: 'A search key (ZHSEARCH_SEARCH_KEYS or --search-key-file): reads only; needed for reads only when the server has search keys.' },
      },
      schemas: hoistDefs({
        DocumentInput: jsonSchema(documentBody),
        WriteReceipt: jsonSchema(writeResponse),
        BulkResponse: jsonSchema(bulkResponse),
        SearchResponse: jsonSchema(searchResponse),
        Document: jsonSchema(docResponse),
        Suggestions: jsonSchema(suggestResponse),
        Similar: jsonSchema(similarResponse),
        Health: jsonSchema(healthResponse),
        Stats: jsonSchema(statsResponse),
        Error: jsonSchema(errorResponse),
      }),
    },
  };
}

/**
 * Moves the `$defs` of component schemas (recursive ones, such as the region tree's FacetValue)
 * into the components, so that their `$ref`s resolve against the OpenAPI document.
 */
function hoistDefs(schemas: Record<string, JsonObject>): Record<string, JsonObject> {
  const out: Record<string, JsonObject> = {};
  for (const [name, schema] of Object.entries(schemas)) {
    const { $defs, ...rest } = schema as JsonObject & { $defs?: Record<string, JsonObject> };
    out[name] = rest;
    for (const [def, s] of Object.entries($defs ?? {})) out[def] = s;
  }
  return JSON.parse(JSON.stringify(out).replaceAll('"#/$defs/', '"#/components/schemas/')) as Record<string, JsonObject>;
}
