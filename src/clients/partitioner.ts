import { Partitioners, type PartitionMetadata } from "kafkajs";

const keyed = Partitioners.DefaultPartitioner();
const metadataCache = new Map<number, PartitionMetadata[]>();

/** Partition metadata as kafkajs's partitioner wants it; only the count matters for keyed messages. */
function metadataOf(n: number): PartitionMetadata[] {
  let m = metadataCache.get(n);
  if (!m) metadataCache.set(n, (m = Array.from({ length: n }, (_, i) => ({ partitionId: i, leader: 0, partitionErrorCode: 0, replicas: [0], isr: [0] }))));
  return m;
}

/**
 * The partition of a keyed message: the Java client's murmur2 of the key modulo the partition count
 * (kafkajs's DefaultPartitioner). The lab chooses partitions itself for every client, so the same key
 * lands in the same partition whichever client sends it.
 */
export function partitionForKey(topic: string, key: Buffer | string, partitions: number): number {
  return keyed({ topic, partitionMetadata: metadataOf(partitions), message: { key, value: null } });
}
