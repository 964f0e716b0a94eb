import { Reader, Writer } from '../protocol/index.js';
import type { MetadataImage } from './metadata-image.js';
import { configRecord, partitionRecord } from './controller.js';
import { MetadataRecordType, decodeMetadataRecord, encodeMetadataRecord, type MetadataRecord } from './metadata-record.js';

/**
 * The metadata image as the records that rebuild it (Kafka writes a snapshot the same way: the
 * image as metadata records). Replaying them into an empty image gives an equal image.
 */
export function imageRecords(image: MetadataImage): MetadataRecord[] {
  const out: MetadataRecord[] = [];
  for (const b of [...image.brokers.values()].sort((x, y) => x.brokerId - y.brokerId)) {
    out.push({
      type: MetadataRecordType.RegisterBroker,
      version: 3,
      data: {
        brokerId: b.brokerId,
        isMigratingZkBroker: false,
        incarnationId: b.incarnationId,
        brokerEpoch: b.brokerEpoch,
        endPoints: b.endpoints.map((e) => ({ ...e })),
        features: [],
        rack: b.rack,
        fenced: b.fenced,
        inControlledShutdown: b.inControlledShutdown,
        logDirs: [],
      },
    });
  }
  for (const t of [...image.topicsByName.values()].sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0))) {
    out.push({ type: MetadataRecordType.Topic, version: 0, data: { name: t.name, topicId: t.topicId } });
    for (const p of [...t.partitions.values()].sort((x, y) => x.partitionId - y.partitionId)) {
      out.push(partitionRecord(t.topicId, p.partitionId, p.replicas, p));
    }
  }
  for (const [key, entries] of [...image.configs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const at = key.indexOf(':');
    const resourceType = Number(key.slice(0, at));
    const resourceName = key.slice(at + 1);
    for (const [name, value] of entries) out.push(configRecord(resourceType, resourceName, name, value));
  }
  if (image.nextProducerId > 0n) {
    out.push({ type: MetadataRecordType.ProducerIds, version: 0, data: { brokerId: -1, brokerEpoch: -1n, nextProducerId: image.nextProducerId } });
  }
  return out;
}

/** A snapshot's payload: the image's records, each length-prefixed (Kafka's compact bytes). */
export function encodeImageSnapshot(image: MetadataImage): Buffer {
  const w = new Writer(4096);
  for (const record of imageRecords(image)) {
    w.bytes(encodeMetadataRecord(record), true);
  }
  return w.toBuffer();
}

/** Rebuilds `image` from a snapshot payload; `lastOffset` is the offset the snapshot ends after. */
export function loadImageSnapshot(image: MetadataImage, data: Buffer, lastOffset: bigint): void {
  image.reset();
  const r = new Reader(data);
  while (r.remaining > 0) {
    image.replay(decodeMetadataRecord(r.bytes(true)), lastOffset);
  }
  image.lastOffset = lastOffset;
}
