/**
 * Duplicate detection's memory of a cluster: every live document, read back through its front
 * (ClusterFront.storedDocuments), taught to a detector before a load or the first write, so that
 * a repost of a document loaded earlier is grouped with it, as the embedded index does (its
 * detector learns the indexed documents on first use).
 *
 * Owns: seeding a detector from the cluster. Must not: change the documents.
 */
import { seedDetector } from '../../ingest/article.js';
import type { DuplicateDetector } from '../../ingest/dedupe.js';
import type { ClusterDescription } from './cluster.js';
import { ClusterFront } from './front.js';

/** Teaches `detector` the originals among the cluster's documents; returns how many it read. */
export async function seedFromCluster(detector: DuplicateDetector, c: ClusterDescription): Promise<number> {
  const front = await ClusterFront.open(c);
  try {
    let seeded = 0;
    for await (const docs of front.storedDocuments()) seeded += seedDetector(detector, docs);
    return seeded;
  } finally {
    await front.close();
  }
}
