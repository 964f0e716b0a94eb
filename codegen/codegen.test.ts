import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { defaultSchemaDir, generateAll, generatedDir, schemaFolders } from './main.js';
import { intersect, isEmpty, parseVersions, readSchemas, stripJsonComments, type FieldSpec, type MessageSpec } from './schema.js';
import { Reader, Writer, type MessageCodec } from '../src/protocol/primitives/index.js';

test('committed generated code matches the generator output (no drift)', () => {
  const files = generateAll(defaultSchemaDir());
  const dir = generatedDir();
  for (const [name, source] of files) {
    const committed = readFileSync(join(dir, name), 'utf8');
    assert.equal(committed, source, `${name} differs from the generator's output: run npm run codegen`);
  }
});

test('comments are stripped outside strings only', () => {
  assert.equal(JSON.parse(stripJsonComments('{"a": "x // y", // c\n "b": 1 /* z */}')).a, 'x // y');
});

/** A deterministic sample value for a field at a version, exercising nulls and non-defaults. */
function sample(f: FieldSpec, spec: MessageSpec, v: number, seed: { n: number }, structs: Map<string, FieldSpec[]>): unknown {
  seed.n = (seed.n * 1103515245 + 12345) & 0x7fffffff;
  const n = seed.n;
  const nullable = !isEmpty(intersect(parseVersions(f.nullableVersions), { min: v, max: v }));
  if (nullable && n % 5 === 0) return null;
  const element = f.type.startsWith('[]') ? f.type.slice(2) : f.type;
  const one = (): unknown => {
    switch (element) {
      case 'bool': return n % 2 === 1;
      case 'int8': return (n % 200) - 100;
      case 'int16': return (n % 60000) - 30000;
      case 'uint16': return n % 65536;
      case 'int32': return n - 1000;
      case 'uint32': return n * 2;
      case 'int64': return BigInt(n) * 1000003n - 7n;
      case 'float64': return n / 7;
      case 'uuid': return Buffer.alloc(16, n % 256).toString('base64url');
      case 'string': return `s${n % 1000}é`;
      case 'bytes': case 'records': return Buffer.from(`b${n}`);
      default: {
        const fields = f.fields ?? structs.get(element)!;
        return sampleStruct(fields, spec, v, seed, structs);
      }
    }
  };
  if (f.type.startsWith('[]')) return [one(), one()];
  return one();
}

function sampleStruct(fields: FieldSpec[], spec: MessageSpec, v: number, seed: { n: number }, structs: Map<string, FieldSpec[]>): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const f of fields) {
    const versions = f.versions ?? f.taggedVersions ?? 'none';
    if (isEmpty(intersect(parseVersions(versions), { min: v, max: v }))) continue;
    o[f.name[0]!.toLowerCase() + f.name.slice(1)] = sample(f, spec, v, seed, structs);
  }
  return o;
}

async function codecs(): Promise<{ spec: MessageSpec; codec: MessageCodec<unknown> }[]> {
  const folders = schemaFolders(defaultSchemaDir());
  const out: { spec: MessageSpec; codec: MessageCodec<unknown> }[] = [];
  const groups: [string, string][] = [
    [folders.messages, '../src/protocol/generated/'],
    ...folders.metadata.map((d): [string, string] => [d, '../src/protocol/generated/metadata/']),
    ...folders.coordinator.map((d): [string, string] => [d, '../src/protocol/generated/coordinator/']),
  ];
  for (const [dir, prefix] of groups) {
    for (const spec of readSchemas(dir)) {
      if (prefix.includes('coordinator') && spec.type !== 'data') continue;
      const { kebab } = await import('./generate.js');
      const mod = (await import(`${prefix}${kebab(spec.name)}.js`)) as Record<string, MessageCodec<unknown>>;
      out.push({ spec, codec: mod[spec.name]! });
    }
  }
  return out;
}

test('every message round-trips at every version', async () => {
  let checked = 0;
  for (const { spec, codec } of await codecs()) {
    const structs = new Map<string, FieldSpec[]>();
    const walk = (fields: FieldSpec[]): void => {
      for (const f of fields) if (f.fields) { structs.set(f.type.replace('[]', ''), f.fields); walk(f.fields); }
    };
    walk(spec.fields);
    for (const c of spec.commonStructs ?? []) { structs.set(c.name, c.fields); walk(c.fields); }
    for (let v = codec.minVersion; v <= codec.maxVersion; v++) {
      const value = sampleStruct(spec.fields, spec, v, { n: v * 7919 + spec.name.length }, structs);
      const w1 = new Writer(64);
      codec.encode(w1, value as never, v);
      const bytes = w1.toBuffer();
      const r = new Reader(bytes);
      let decoded: unknown;
      try {
        decoded = codec.decode(r, v);
      } catch (e) {
        throw new Error(`${spec.name} v${v}: ${(e as Error).message}; value ${JSON.stringify(value, (k, x) => typeof x === "bigint" ? String(x) : x).slice(0, 300)}`);
      }
      assert.equal(r.remaining, 0, `${spec.name} v${v}: ${r.remaining} bytes left after decode`);
      const w2 = new Writer(64);
      codec.encode(w2, decoded as never, v);
      assert.deepEqual(w2.toBuffer(), bytes, `${spec.name} v${v}: re-encoding differs`);
      for (const [key, expected] of Object.entries(value)) {
        const actual = (decoded as Record<string, unknown>)[key];
        if (typeof expected !== 'object' || expected === null || Buffer.isBuffer(expected)) {
          assert.deepEqual(actual, expected, `${spec.name} v${v}: field ${key}`);
        }
      }
      checked++;
    }
  }
  assert.ok(checked > 500, `only ${checked} message versions checked`);
});

test('unknown tagged fields are preserved', async () => {
  const { ApiVersionsRequest } = await import('../src/protocol/generated/api-versions-request.js');
  const w = new Writer();
  ApiVersionsRequest.encode(w, { clientSoftwareName: 'x', clientSoftwareVersion: '1', _unknownTaggedFields: [{ tag: 7, data: Buffer.from('zz') }] }, 3);
  const bytes = w.toBuffer();
  const decoded = ApiVersionsRequest.decode(new Reader(bytes), 3);
  assert.deepEqual(decoded._unknownTaggedFields, [{ tag: 7, data: Buffer.from('zz') }]);
  const w2 = new Writer();
  ApiVersionsRequest.encode(w2, decoded, 3);
  assert.deepEqual(w2.toBuffer(), bytes);
});

// Golden bytes produced by kafka-python 2.0.2's own protocol classes (kafka.protocol.*).
test('golden bytes from kafka-python', async () => {
  const { MetadataRequest } = await import('../src/protocol/generated/metadata-request.js');
  const { FetchRequest } = await import('../src/protocol/generated/fetch-request.js');
  const { CreateTopicsRequest } = await import('../src/protocol/generated/create-topics-request.js');
  const enc = <T>(codec: MessageCodec<T>, value: unknown, v: number): string => {
    const w = new Writer();
    codec.encode(w, value as never, v);
    return w.toBuffer().toString('hex');
  };
  assert.equal(enc(MetadataRequest, { topics: [{ name: 'test' }, { name: 'b' }] }, 1), '00000002000474657374000162');
  assert.equal(enc(MetadataRequest, { topics: [] }, 0), '00000000');
  assert.equal(
    enc(FetchRequest, { replicaId: -1, maxWaitMs: 500, minBytes: 1, maxBytes: 52428800, isolationLevel: 0,
      topics: [{ topic: 't', partitions: [{ partition: 0, fetchOffset: 42n, partitionMaxBytes: 1048576 }] }] }, 4),
    'ffffffff000001f4000000010320000000000000010001740000000100000000000000000000002a00100000',
  );
  assert.equal(
    enc(CreateTopicsRequest, { topics: [{ name: 'tt', numPartitions: 3, replicationFactor: 1, assignments: [],
      configs: [{ name: 'retention.ms', value: '1000' }] }], timeoutMs: 30000, validateOnly: false }, 3),
    '00000001000274740000000300010000000000000001000c726574656e74696f6e2e6d730004313030300000753000',
  );
  const decoded = MetadataRequest.decode(new Reader(Buffer.from('00000002000474657374000162', 'hex')), 1);
  assert.deepEqual(decoded.topics!.map((t) => t.name), ['test', 'b']);
});

test('malformed input throws ProtocolError, never allocates past the frame', async () => {
  const { MetadataRequest } = await import('../src/protocol/generated/metadata-request.js');
  const { ProtocolError } = await import('../src/protocol/primitives/index.js');
  assert.throws(() => MetadataRequest.decode(new Reader(Buffer.from('7fffffff', 'hex')), 1), ProtocolError);
  assert.throws(() => MetadataRequest.decode(new Reader(Buffer.from('0000000100ff', 'hex')), 1), ProtocolError);
});
