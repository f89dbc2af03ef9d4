/**
 * The Sphinx configuration files of a cluster: one per shard node (a plain index `main` built by
 * `indexer`, a real-time index `delta` for documents written since, both behind a local
 * distributed index `shard`) and one for the front (a distributed index `dist` whose agents are
 * the shards, with their mirrors).
 *
 * The full-text fields hold tokens zhsearch analysed (words and character grams, space-separated):
 * Sphinx only splits them at spaces (every CJK ideograph, letter and digit is a word character, no
 * morphology, no stop words, minimum length 1), so a token is one keyword. Attributes carry what
 * filters, facets, sorting and hits need.
 *
 * Owns: the schema Sphinx sees (fields, attributes, index names) and the text of the configs.
 * Must not: start processes, analyse text or run queries.
 */

/** Full-text fields: per zhsearch field, its words (`w`), character bigrams (`g`) and characters (`u`). */
export const SPHINX_FIELDS = ['title_w', 'title_g', 'title_u', 'content_w', 'content_g', 'content_u', 'tags_w', 'tags_g', 'tags_u'] as const;
export type SphinxField = (typeof SPHINX_FIELDS)[number];

export type AttrType = 'uint' | 'bigint' | 'multi' | 'string';

/** Attributes, in the order the xmlpipe2 stream and INSERT statements give them. */
export const SPHINX_ATTRS: ReadonlyArray<{ name: string; type: AttrType }> = [
  /**
   * 1 once the document was rewritten or deleted after `main` was built (an attribute update:
   * a plain index cannot delete); every query filters `deleted = 0`. Always 0 in `delta`.
   */
  { name: 'deleted', type: 'uint' },
  /** The date as yyyymmdd, 0 when undated; `month` yyyymm and `year` for their facets. */
  { name: 'day', type: 'uint' },
  { name: 'month', type: 'uint' },
  { name: 'year', type: 'uint' },
  /** GB/T 2260 codes of the regions, per level. */
  { name: 'province', type: 'multi' },
  { name: 'city', type: 'multi' },
  { name: 'county', type: 'multi' },
  /** Source and libraries as 32-bit ids (names in the cluster's own table). */
  { name: 'source', type: 'uint' },
  { name: 'library', type: 'multi' },
  /** The story key's 63-bit hash (collapsing copies). */
  { name: 'story', type: 'bigint' },
  /**
   * 1 when other documents share the story key (a copy, or an original with copies): stories are
   * counted as articles - shared matches + shared stories, the last from a small GROUP BY.
   */
  { name: 'shared', type: 'uint' },
  /** Words per field (BM25's field lengths). */
  { name: 'title_len', type: 'uint' },
  { name: 'content_len', type: 'uint' },
  { name: 'tags_len', type: 'uint' },
  /** The external id and the stored document (JSON). */
  { name: 'xid', type: 'string' },
  { name: 'doc', type: 'string' },
];

/**
 * Characters Sphinx keeps in keywords: every printable character up to U+2FFFF, Sphinx's limit
 * (rows.ts writes the few beyond it as `U+` and hex), so a token is split at spaces only. No case
 * folding: the tokens are normalized already.
 */
export const CHARSET_TABLE = [
  'U+21..U+7E', 'U+A1..U+D7FF', 'U+E000..U+2FFFF',
].join(', ');

const TEXT_SETTINGS = ['dict = keywords', 'min_word_len = 1', `charset_table = ${CHARSET_TABLE}`, 'index_field_lengths = 1'];

export interface NodePaths {
  /** The node's directory: index files, binlog, log, pid file. */
  dir: string;
  /** The xmlpipe2 stream `indexer` builds `main` from (an empty one: a new node's). */
  mainXml: string;
  /** The xmlpipe2 stream of a load (`batch`, then merged into `main`). */
  batchXml: string;
  /** The cluster's global IDF file (every node reads the same). */
  globalIdf: string;
}

export interface Listen {
  host: string;
  /** SphinxQL (mysql41 protocol). */
  port: number;
  /** Sphinx API (the protocol the front speaks to its agents); absent on the front. */
  apiPort?: number;
}

const rtAttr = (type: AttrType) => (type === 'multi' ? 'rt_attr_multi' : type === 'bigint' ? 'rt_attr_bigint' : type === 'string' ? 'rt_attr_string' : 'rt_attr_uint');

function searchdSection(dir: string, listen: Listen, extra: string[] = []): string {
  return block('searchd', [
    `listen = ${listen.host}:${listen.port}:mysql41`,
    ...(listen.apiPort ? [`listen = ${listen.host}:${listen.apiPort}`] : []),
    `log = ${dir}/searchd.log`,
    `pid_file = ${dir}/searchd.pid`,
    // Every real-time write is in the binlog when its statement returns (a kill -9 loses nothing);
    // the binlog is fsynced every second (a power cut may lose the last second). Not 1 (fsync each
    // write): Sphinx 2.2.11 then writes nothing to the binlog at all (measured).
    `binlog_path = ${listen.apiPort ? dir : ''}`,
    ...(listen.apiPort ? ['binlog_flush = 2'] : []),
    'workers = threads',
    'seamless_rotate = 1',
    'preopen_indexes = 1',
    'unlink_old = 1',
    ...extra,
  ]);
}

function block(head: string, lines: string[]): string {
  return `${head}\n{\n${lines.map((l) => `  ${l}`).join('\n')}\n}\n`;
}

/**
 * The config of one shard node (or one mirror of it). `main` and `batch` are plain indexes: a load
 * builds `batch` and merges it into `main` (`indexer --merge main batch --rotate`: a document of
 * the batch replaces the one of the same id).
 */
export function shardConfig(paths: NodePaths, listen: Listen): string {
  const common = [...TEXT_SETTINGS, `global_idf = ${paths.globalIdf}`];
  return [
    `# zhsearch shard node: written by \`zhsearch cluster start\`; edits are overwritten.\n`,
    block('source main_src', ['type = xmlpipe2', `xmlpipe_command = cat ${paths.mainXml}`]),
    block('index main', ['source = main_src', `path = ${paths.dir}/main`, 'docinfo = extern', ...common]),
    block('source batch_src', ['type = xmlpipe2', `xmlpipe_command = cat ${paths.batchXml}`]),
    block('index batch', ['source = batch_src', `path = ${paths.dir}/batch`, 'docinfo = extern', ...common]),
    block('index delta', [
      'type = rt',
      `path = ${paths.dir}/delta`,
      ...SPHINX_FIELDS.map((f) => `rt_field = ${f}`),
      ...SPHINX_ATTRS.map((a) => `${rtAttr(a.type)} = ${a.name}`),
      'rt_mem_limit = 256M',
      ...common,
    ]),
    // A rewritten document is in both: its copy in `main` is marked `deleted`.
    block('index shard', ['type = distributed', 'local = main', 'local = delta']),
    block('indexer', ['mem_limit = 256M']),
    searchdSection(paths.dir, listen),
  ].join('\n');
}

export interface FrontOptions {
  /** Per shard, its nodes (the first is the primary; more are mirrors). */
  shards: ReadonlyArray<ReadonlyArray<{ host: string; apiPort: number }>>;
  /** Connecting to an agent, ms. */
  connectTimeoutMs: number;
  /** An agent's answer, ms: past it the front answers without that shard (partial). */
  queryTimeoutMs: number;
}

/** The config of the front: `dist` over every shard, mirrors tried in turn (ha_strategy nodeads). */
export function frontConfig(dir: string, listen: Listen, options: FrontOptions): string {
  return [
    `# zhsearch cluster front: written by \`zhsearch cluster start\`; edits are overwritten.\n`,
    block('index dist', [
      'type = distributed',
      ...options.shards.map((nodes) => `agent = ${nodes.map((n) => `${n.host}:${n.apiPort}:shard`).join('|')}`),
      'ha_strategy = nodeads',
      `agent_connect_timeout = ${options.connectTimeoutMs}`,
      `agent_query_timeout = ${options.queryTimeoutMs}`,
    ]),
    // Mirrors are pinged this often (ms); a dead one is left out of queries from the next ping on.
    searchdSection(dir, listen, ['ha_ping_interval = 200']),
  ].join('\n');
}

/** An xmlpipe2 stream with the schema and no document (what an empty `main` is built from). */
export function xmlpipeHeader(): string {
  const fields = SPHINX_FIELDS.map((f) => `<sphinx:field name="${f}"/>`);
  const attrs = SPHINX_ATTRS.map((a) => (a.type === 'uint' ? `<sphinx:attr name="${a.name}" type="int" bits="32"/>` : `<sphinx:attr name="${a.name}" type="${a.type}"/>`));
  return `<?xml version="1.0" encoding="utf-8"?>\n<sphinx:docset>\n<sphinx:schema>\n${[...fields, ...attrs].join('\n')}\n</sphinx:schema>\n`;
}

export const XMLPIPE_FOOTER = '</sphinx:docset>\n';
