/**
 * Every live document of a cluster, read back through its front in pages (Sphinx id order): what
 * duplicate detection learns before a load or the first write, so that a repost of a document
 * loaded earlier is grouped with it, as the embedded index does (its detector learns the indexed
 * documents on first use).
 *
 * Owns: paging through the stored documents. Must not: change them.
 */
import type { StoredDocument } from '../../document.js';
import { seedDetector } from '../../ingest/article.js';
import type { DuplicateDetector } from '../../ingest/dedupe.js';
import type { ClusterDescription } from './cluster.js';
import type { Row } from './meta.js';
import { connect } from './searchd.js';

/** Documents read per statement. */
const PAGE = 1000;

/** The cluster's live documents, a page at a time. */
export async function* storedDocuments(c: ClusterDescription, page = PAGE): AsyncGenerator<StoredDocument[]> {
  const conn = await connect(c.front.host, c.front.port, 2000, true);
  try {
    let last = '0';
    for (;;) {
      const [rows] = (await conn.query(`SELECT id, doc FROM dist WHERE deleted = 0 AND id > ${last} ORDER BY id ASC LIMIT ${page} OPTION max_matches=${page}`)) as unknown as [Row[]];
      if (!rows.length) return;
      yield rows.map((r) => JSON.parse(String(r.doc)) as StoredDocument);
      last = String(rows[rows.length - 1].id);
      if (rows.length < page) return;
    }
  } finally {
    await conn.end().catch(() => undefined);
  }
}

/** Teaches `detector` the originals among the cluster's documents; returns how many it read. */
export async function seedFromCluster(detector: DuplicateDetector, c: ClusterDescription): Promise<number> {
  let seeded = 0;
  for await (const docs of storedDocuments(c)) seeded += seedDetector(detector, docs);
  return seeded;
}
