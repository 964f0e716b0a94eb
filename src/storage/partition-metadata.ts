import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomicSync } from './file-util.js';

/** Kafka's per-partition file holding the topic id. */
export const PARTITION_METADATA_FILE = 'partition.metadata';

/** A Kafka Uuid as text: 16 bytes in base64url without padding (22 characters). */
const TOPIC_ID_PATTERN = /^[A-Za-z0-9_-]{22}$/;

/** Writes `partition.metadata` (`version: 0` / `topic_id: <base64url uuid>`) atomically. */
export function writePartitionMetadata(dir: string, topicId: string): void {
  if (!TOPIC_ID_PATTERN.test(topicId)) throw new Error(`Topic id "${topicId}" is not a base64url Kafka Uuid (22 characters).`);
  writeFileAtomicSync(path.join(dir, PARTITION_METADATA_FILE), `version: 0\ntopic_id: ${topicId}\n`);
}

/** Reads the topic id from `partition.metadata`, or null if the file is missing. */
export function readPartitionMetadata(dir: string): string | null {
  const file = path.join(dir, PARTITION_METADATA_FILE);
  if (!fs.existsSync(file)) return null;
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const version = /^version: (\d+)$/.exec(lines[0] ?? '');
  const topicId = /^topic_id: (\S+)$/.exec(lines[1] ?? '');
  if (!version || version[1] !== '0' || !topicId) throw new Error(`Malformed ${file}: expected "version: 0" and "topic_id: <id>".`);
  return topicId[1]!;
}
