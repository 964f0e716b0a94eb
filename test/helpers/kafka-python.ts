/**
 * Small kafka-python 2.0.2 programs used by several tests: create topics, produce, and read a
 * whole topic back without a consumer group. Bytes travel as hex in JSON.
 */
import { runPythonJson } from './clients.js';

/** Embeds `params` in a Python script as the global `PARAMS` (no env or argv size limits). */
export function withParams(params: unknown, body: string): string {
  // A JSON string literal is a valid Python string literal (JSON.stringify never emits \/).
  return `import json\nPARAMS = json.loads(${JSON.stringify(JSON.stringify(params))})\n${body}`;
}

/** One record as read back by {@link readAllKafkaPython}; bytes are hex, null when absent. */
export interface ReadRecord {
  readonly partition: number;
  readonly offset: number;
  readonly key: string | null;
  readonly value: string | null;
  readonly headers: ReadonlyArray<readonly [string, string | null]>;
}

/** Result of {@link readAllKafkaPython}. */
export interface ReadAllResult {
  readonly records: ReadRecord[];
  /** End offset (high watermark as seen by ListOffsets) per partition. */
  readonly endOffsets: Record<string, number>;
  /** Start offset per partition. */
  readonly beginningOffsets: Record<string, number>;
}

const READ_ALL = String.raw`
import sys, time
from kafka import KafkaConsumer, TopicPartition
topic = PARAMS['topic']
deadline = time.time() + PARAMS['timeoutMs'] / 1000.0
c = KafkaConsumer(bootstrap_servers=[PARAMS['bootstrap']], group_id=None, enable_auto_commit=False,
                  auto_offset_reset='earliest', request_timeout_ms=15000, api_version_auto_timeout_ms=10000)
parts = None
while not parts:
    parts = c.partitions_for_topic(topic)
    if not parts:
        if time.time() > deadline:
            sys.exit('topic %r not found in metadata' % topic)
        time.sleep(0.2)
tps = [TopicPartition(topic, p) for p in sorted(parts)]
c.assign(tps)
c.seek_to_beginning(*tps)
begin = c.beginning_offsets(tps)
end = c.end_offsets(tps)
out = []
def pending():
    return [tp for tp in tps if c.position(tp) < end[tp]]
while pending():
    if time.time() > deadline:
        sys.exit('timed out reading %s: positions %r, end offsets %r, %d records read' % (
            topic, {tp.partition: c.position(tp) for tp in tps}, {tp.partition: end[tp] for tp in tps}, len(out)))
    for tp, recs in c.poll(timeout_ms=500).items():
        for r in recs:
            out.append({'partition': r.partition, 'offset': r.offset,
                        'key': None if r.key is None else r.key.hex(),
                        'value': None if r.value is None else r.value.hex(),
                        'headers': [[k, None if v is None else v.hex()] for (k, v) in (r.headers or [])]})
c.close()
print('RESULT ' + json.dumps({'records': out,
                              'endOffsets': {str(tp.partition): end[tp] for tp in tps},
                              'beginningOffsets': {str(tp.partition): begin[tp] for tp in tps}}))
`;

/** Reads every partition of `topic` from the beginning to the end offset seen at start. */
export async function readAllKafkaPython(bootstrap: string, topic: string, timeoutMs = 30_000): Promise<ReadAllResult> {
  return await runPythonJson<ReadAllResult>(withParams({ bootstrap, topic, timeoutMs }, READ_ALL), {
    timeoutMs: timeoutMs + 10_000,
  });
}

/** A topic for {@link createTopicsKafkaPython}. */
export interface TopicSpec {
  readonly name: string;
  readonly partitions: number;
  readonly replicationFactor?: number;
  readonly configs?: Record<string, string>;
}

/** Outcome of one topic creation: `null` on success, else the exception's class, errno and text. */
export interface CreateTopicOutcome {
  readonly name: string;
  readonly error: { readonly type: string; readonly errno: number | null; readonly message: string } | null;
}

const CREATE_TOPICS = String.raw`
from kafka.admin import KafkaAdminClient, NewTopic
admin = KafkaAdminClient(bootstrap_servers=[PARAMS['bootstrap']], request_timeout_ms=15000,
                         api_version_auto_timeout_ms=10000)
out = []
for t in PARAMS['topics']:
    try:
        admin.create_topics([NewTopic(name=t['name'], num_partitions=t['partitions'],
                                      replication_factor=t.get('replicationFactor', 1),
                                      topic_configs=t.get('configs', {}))])
        out.append({'name': t['name'], 'error': None})
    except Exception as e:
        out.append({'name': t['name'], 'error': {'type': type(e).__name__,
                                                 'errno': getattr(e, 'errno', None),
                                                 'message': str(e)}})
admin.close()
print('RESULT ' + json.dumps(out))
`;

/** Creates topics one by one with KafkaAdminClient.create_topics, returning each outcome. */
export async function createTopicsKafkaPython(
  bootstrap: string,
  topics: readonly TopicSpec[],
  timeoutMs = 30_000,
): Promise<CreateTopicOutcome[]> {
  return await runPythonJson<CreateTopicOutcome[]>(withParams({ bootstrap, topics }, CREATE_TOPICS), { timeoutMs });
}

/** Like {@link createTopicsKafkaPython} but throws if any creation failed. */
export async function mustCreateTopics(bootstrap: string, topics: readonly TopicSpec[]): Promise<void> {
  const outcomes = await createTopicsKafkaPython(bootstrap, topics);
  const failed = outcomes.filter((o) => o.error !== null);
  if (failed.length > 0) throw new Error(`create_topics failed: ${JSON.stringify(failed, null, 2)}`);
}

/** A record to produce; key and value are hex (null for none). */
export interface ProduceRecord {
  readonly key: string | null;
  readonly value: string | null;
}

/** Result of {@link produceKafkaPython}: per record, [partition, offset] or the error text. */
export type ProduceOutcome = readonly [number, number] | string;

const PRODUCE = String.raw`
from kafka import KafkaProducer
acks = PARAMS['acks']
prod = KafkaProducer(bootstrap_servers=[PARAMS['bootstrap']], acks=(acks if acks == 'all' else int(acks)),
                     request_timeout_ms=15000, max_block_ms=20000,
                     api_version_auto_timeout_ms=10000)
futs = []
every = PARAMS['flushEvery']
for i, r in enumerate(PARAMS['records']):
    futs.append(prod.send(PARAMS['topic'],
                          key=None if r['key'] is None else bytes.fromhex(r['key']),
                          value=None if r['value'] is None else bytes.fromhex(r['value'])))
    if every and (i + 1) % every == 0:
        prod.flush(timeout=30)
prod.flush(timeout=30)
out = []
for f in futs:
    try:
        md = f.get(timeout=30)
        out.append([md.partition, md.offset])
    except Exception as e:
        out.append('%s: %s' % (type(e).__name__, e))
prod.close(timeout=10)
print('RESULT ' + json.dumps(out))
`;

/** Produces records with KafkaProducer, flushing every `flushEvery` records (0 = only at the end). */
export async function produceKafkaPython(
  bootstrap: string,
  topic: string,
  records: readonly ProduceRecord[],
  opts: { acks?: '0' | '1' | 'all'; flushEvery?: number; timeoutMs?: number } = {},
): Promise<ProduceOutcome[]> {
  const params = { bootstrap, topic, records, acks: opts.acks ?? '1', flushEvery: opts.flushEvery ?? 0 };
  return await runPythonJson<ProduceOutcome[]>(withParams(params, PRODUCE), { timeoutMs: opts.timeoutMs ?? 45_000 });
}

/** Hex of a UTF-8 string. */
export function hex(text: string | Buffer): string {
  return (typeof text === 'string' ? Buffer.from(text, 'utf8') : text).toString('hex');
}

/** UTF-8 text of a hex string. */
export function unhex(h: string): string {
  return Buffer.from(h, 'hex').toString('utf8');
}
