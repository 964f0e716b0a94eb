import fs from 'node:fs';
import { writeFileAtomic, writeFileAtomicSync } from './file-util.js';

/** Version written on the first line of Kafka's text checkpoint files. */
const CHECKPOINT_VERSION = 0;

/** Upper bound on entries read from one checkpoint file, so a corrupt count cannot run away. */
const MAX_CHECKPOINT_ENTRIES = 1_000_000;

/** File names of the log-dir level checkpoints, as Kafka names them. */
export const CheckpointFileName = {
  RECOVERY_POINT: 'recovery-point-offset-checkpoint',
  LOG_START_OFFSET: 'log-start-offset-checkpoint',
  REPLICATION_OFFSET: 'replication-offset-checkpoint',
  LEADER_EPOCH: 'leader-epoch-checkpoint',
} as const;

/** One line of an offset checkpoint: `topic partition offset`. */
export interface PartitionOffset {
  topic: string;
  partition: number;
  offset: bigint;
}

/** Formats Kafka's checkpoint text: version line, count line, then one line per entry. */
export function formatCheckpoint(lines: readonly string[]): string {
  return `${CHECKPOINT_VERSION}\n${lines.length}\n${lines.map((line) => line + '\n').join('')}`;
}

/** Parses Kafka's checkpoint text into entry lines split on spaces; throws on a malformed file. */
export function parseCheckpoint(text: string, fieldsPerLine: number, file: string): string[][] {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const version = Number(lines[0]);
  if (version !== CHECKPOINT_VERSION) throw new Error(`Unrecognized version ${lines[0]} in checkpoint file ${file}.`);
  const count = Number(lines[1]);
  if (!Number.isSafeInteger(count) || count < 0 || count > MAX_CHECKPOINT_ENTRIES || lines.length !== count + 2) {
    throw new Error(`Malformed checkpoint file ${file}: expected ${lines[1]} entries, found ${lines.length - 2}.`);
  }
  return lines.slice(2).map((line) => {
    const fields = line.trim().split(/\s+/);
    if (fields.length !== fieldsPerLine) throw new Error(`Malformed line "${line}" in checkpoint file ${file}.`);
    return fields;
  });
}

/** Writes an offset checkpoint (`topic partition offset` lines) atomically and durably. */
export function writeOffsetCheckpoint(file: string, entries: readonly PartitionOffset[]): void {
  const lines = entries.map((e) => `${e.topic} ${e.partition} ${e.offset}`);
  writeFileAtomicSync(file, formatCheckpoint(lines));
}

/** Async form of writeOffsetCheckpoint for periodic checkpoints; returns the text written. */
export async function writeOffsetCheckpointAsync(file: string, entries: readonly PartitionOffset[]): Promise<string> {
  const text = formatCheckpoint(entries.map((e) => `${e.topic} ${e.partition} ${e.offset}`));
  await writeFileAtomic(file, text);
  return text;
}

/** Reads an offset checkpoint into a map keyed `topic-partition`; a missing file reads as empty. */
export function readOffsetCheckpoint(file: string): Map<string, bigint> {
  const result = new Map<string, bigint>();
  if (!fs.existsSync(file)) return result;
  for (const [topic, partition, offset] of parseCheckpoint(fs.readFileSync(file, 'utf8'), 3, file)) {
    result.set(`${topic}-${Number(partition)}`, BigInt(offset!));
  }
  return result;
}
