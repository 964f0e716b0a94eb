/**
 * Summarizes a V8 .cpuprofile (from `node --cpu-prof`): self time aggregated by function
 * (name + script + line), the share of time spent idle, and a check that no record-level code
 * (record decoding, varints, legacy message sets) ran at all. The check walks the whole call
 * tree, so a record-level function is found even when all its time is in its callees.
 *
 * Usage: node dist/bench/profile-summary.js FILE.cpuprofile [--top 15] [--json] [--windows START_US-END_US,...]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import type { TimeWindow } from './common.js';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** One aggregated function in the summary. */
export interface FunctionTime {
  name: string;
  /** Script path (relative to the repository when inside it), or '' for V8/native entries. */
  location: string;
  selfMs: number;
  /** Self time as % of the profile's non-idle time. */
  selfPercentOfBusy: number;
}

/** A record-level function found in the call tree. */
export interface RecordLevelHit {
  name: string;
  location: string;
  /** Self plus callees. */
  totalMs: number;
}

/** What {@link summarizeProfile} returns. */
export interface ProfileSummary {
  file: string;
  /** Whether only samples inside the measured windows were counted. */
  windowed: boolean;
  /** Length of the windows (or of the whole profile). */
  wallMs: number;
  idleMs: number;
  busyMs: number;
  sampleCount: number;
  top: FunctionTime[];
  /** Self time by area of the code (broker, storage, protocol, node internals, GC, ...). */
  byArea: { area: string; selfMs: number; selfPercentOfBusy: number }[];
  /** Record-level functions that ran inside the counted samples. */
  recordLevel: RecordLevelHit[];
  /** With windows: record-level functions anywhere in the profile (start-up, metadata records). */
  recordLevelWholeProfile: RecordLevelHit[];
}

/** Functions of record-batch.js that look only at the batch header or its CRC. */
const HEADER_ONLY_RECORD_BATCH_FUNCTIONS = new Set(['checkBatchIntegrity', 'entryMagic', 'splitBatches', 'corrupt']);

/** Whether a frame is record-level code: anything that decodes, builds or converts individual records. */
export function isRecordLevel(frame: CallFrame): boolean {
  const url = frame.url;
  if (url.endsWith('/src/protocol/records/varint.js')) return true;
  if (url.endsWith('/src/protocol/records/legacy.js')) return true;
  if (url.endsWith('/src/protocol/records/record-batch.js')) return !HEADER_ONLY_RECORD_BATCH_FUNCTIONS.has(frame.functionName);
  return /^(decodeRecordBatch|decodeRecordBatches|decodeRecords|readRecord|readVarint|readVarlong|convertLegacyMessageSet)$/.test(frame.functionName);
}

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

function shortLocation(frame: CallFrame): string {
  if (frame.url === '') return '';
  let url = frame.url.startsWith('file://') ? fileURLToPath(frame.url) : frame.url;
  if (url.startsWith(repoRoot)) url = url.slice(repoRoot.length);
  return `${url}:${frame.lineNumber + 1}`;
}

function areaOf(frame: CallFrame): string {
  const name = frame.functionName;
  if (name === '(garbage collector)') return 'GC';
  if (name === '(program)' || name === '(root)') return 'V8 / native (program)';
  const url = frame.url.startsWith('file://') ? fileURLToPath(frame.url) : frame.url;
  const inRepo = url.startsWith(repoRoot) ? url.slice(repoRoot.length) : null;
  if (inRepo !== null) {
    const match = /^dist\/src\/([^/]+)\/(?:(records|generated|primitives)\/)?/.exec(inRepo);
    if (match) return match[2] ? `src/${match[1]}/${match[2]}` : `src/${match[1]}`;
    if (inRepo.startsWith('node_modules/')) return inRepo.split('/').slice(0, 2).join('/');
    return inRepo;
  }
  if (url.startsWith('node:')) return 'node internals (JS)';
  if (url === '') return 'native (builtins, C++)';
  return url;
}

function inAnyWindow(timeUs: number, windows: readonly TimeWindow[]): boolean {
  for (const w of windows) if (timeUs >= w.startUs && timeUs <= w.endUs) return true;
  return false;
}

/** Self time per node id; with `windows`, only of samples taken inside them. */
function selfTimes(profile: CpuProfile, windows: readonly TimeWindow[] | null): Map<number, number> {
  const selfUs = new Map<number, number>();
  let timeUs = profile.startTime;
  // timeDeltas[i] is the gap before sample i; sample i lasts until sample i+1.
  for (let i = 0; i < profile.samples.length; i++) {
    timeUs += profile.timeDeltas[i] ?? 0;
    if (windows && !inAnyWindow(timeUs, windows)) continue;
    const id = profile.samples[i]!;
    selfUs.set(id, (selfUs.get(id) ?? 0) + Math.max(0, profile.timeDeltas[i + 1] ?? 0));
  }
  return selfUs;
}

/**
 * Reads and summarizes one profile. With `windows` (the measured windows on the monotonic clock,
 * which V8 uses for profile timestamps) only samples inside them count; start-up, topic creation
 * and the baseline's turns are left out.
 */
export function summarizeProfile(file: string, topCount = 15, windows: readonly TimeWindow[] | null = null): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map<number, ProfileNode>();
  for (const node of profile.nodes) byId.set(node.id, node);
  const selfUs = selfTimes(profile, windows);
  const wallUs = windows ? windows.reduce((sum, w) => sum + (w.endUs - w.startUs), 0) : profile.endTime - profile.startTime;
  let idleUs = 0;
  const functions = new Map<string, { frame: CallFrame; us: number }>();
  const areas = new Map<string, number>();
  for (const node of profile.nodes) {
    const us = selfUs.get(node.id) ?? 0;
    const frame = node.callFrame;
    if (frame.functionName === '(idle)') {
      idleUs += us;
      continue;
    }
    const key = `${frame.functionName}\u0000${frame.url}\u0000${frame.lineNumber}`;
    const entry = functions.get(key);
    if (entry) entry.us += us;
    else functions.set(key, { frame, us });
    const area = areaOf(frame);
    areas.set(area, (areas.get(area) ?? 0) + us);
  }
  let sampledUs = 0;
  let sampleCount = 0;
  for (const us of selfUs.values()) sampledUs += us;
  for (const id of profile.samples) if (selfUs.has(id)) sampleCount++;
  const busyUs = Math.max(1, sampledUs - idleUs);
  const percent = (us: number): number => (us / busyUs) * 100;
  const top = [...functions.values()]
    .sort((a, b) => b.us - a.us)
    .slice(0, topCount)
    .map(({ frame, us }) => ({
      name: frame.functionName || '(anonymous)',
      location: shortLocation(frame),
      selfMs: us / 1000,
      selfPercentOfBusy: percent(us),
    }));
  const byArea = [...areas.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([area, us]) => ({ area, selfMs: us / 1000, selfPercentOfBusy: percent(us) }));
  const recordLevel = findRecordLevel(profile.nodes, byId, selfUs).filter((hit) => hit.totalMs > 0);
  const recordLevelOutside = windows ? findRecordLevel(profile.nodes, byId, selfTimes(profile, null)) : [];
  return {
    file,
    windowed: windows !== null,
    wallMs: wallUs / 1000,
    idleMs: idleUs / 1000,
    busyMs: busyUs / 1000,
    sampleCount,
    top,
    byArea,
    recordLevel,
    recordLevelWholeProfile: recordLevelOutside,
  };
}

function findRecordLevel(nodes: readonly ProfileNode[], byId: ReadonlyMap<number, ProfileNode>, selfUs: ReadonlyMap<number, number>): RecordLevelHit[] {
  const totals = new Map<number, number>();
  // Iterative post-order walk from the root (node 0 in the array), bounded by the node count.
  const totalOf = (rootId: number): number => {
    const stack: { id: number; visited: boolean }[] = [{ id: rootId, visited: false }];
    let steps = 0;
    while (stack.length > 0 && steps++ < nodes.length * 4) {
      const top = stack.pop()!;
      const node = byId.get(top.id)!;
      if (top.visited) {
        let sum = selfUs.get(top.id) ?? 0;
        for (const child of node.children ?? []) sum += totals.get(child) ?? 0;
        totals.set(top.id, sum);
      } else {
        stack.push({ id: top.id, visited: true });
        for (const child of node.children ?? []) stack.push({ id: child, visited: false });
      }
    }
    return totals.get(rootId) ?? 0;
  };
  if (nodes.length > 0) totalOf(nodes[0]!.id);
  const hits = new Map<string, RecordLevelHit>();
  for (const node of nodes) {
    if (!isRecordLevel(node.callFrame)) continue;
    const name = node.callFrame.functionName || '(anonymous)';
    const location = shortLocation(node.callFrame);
    const key = `${name} ${location}`;
    const hit = hits.get(key) ?? { name, location, totalMs: 0 };
    hit.totalMs += (totals.get(node.id) ?? 0) / 1000;
    hits.set(key, hit);
  }
  return [...hits.values()].sort((a, b) => b.totalMs - a.totalMs);
}

/** The summary as Markdown (used in bench/RESULTS.md). */
export function formatSummary(summary: ProfileSummary, title: string): string {
  const lines: string[] = [];
  lines.push(`#### ${title}`, '');
  lines.push(
    `${summary.windowed ? 'Measured windows only' : 'Whole profile'}: ${summary.sampleCount} samples over ${(summary.wallMs / 1000).toFixed(1)} s; ` +
      `busy ${(summary.busyMs / 1000).toFixed(1)} s, idle ${(summary.idleMs / 1000).toFixed(1)} s. ` +
      'Percentages are of busy (non-idle) time.',
    '',
  );
  lines.push('| # | self ms | self % | function | location |', '|---:|---:|---:|---|---|');
  summary.top.forEach((f, i) => {
    lines.push(`| ${i + 1} | ${f.selfMs.toFixed(0)} | ${f.selfPercentOfBusy.toFixed(1)} | \`${f.name}\` | ${f.location || '(V8)'} |`);
  });
  lines.push('', 'Self time by area:', '', '| area | self ms | self % |', '|---|---:|---:|');
  for (const a of summary.byArea.slice(0, 12)) lines.push(`| ${a.area} | ${a.selfMs.toFixed(0)} | ${a.selfPercentOfBusy.toFixed(1)} |`);
  lines.push('');
  const scope = summary.windowed ? 'in the measured windows' : 'in the profile';
  if (summary.recordLevel.length === 0) {
    lines.push(`Record-level functions (record decoding/encoding, varints, legacy conversion) anywhere in the call tree ${scope}: **none**.`);
  } else {
    lines.push(`Record-level functions found in the call tree ${scope} (self + callees):`, '');
    for (const hit of summary.recordLevel) lines.push(`- \`${hit.name}\` ${hit.location}: ${hit.totalMs.toFixed(1)} ms`);
  }
  if (summary.windowed && summary.recordLevelWholeProfile.length > 0) {
    lines.push(
      '',
      'Outside the measured windows (broker start-up, topic creation: metadata records), the whole profile has: ' +
        summary.recordLevelWholeProfile.map((h) => `\`${h.name}\` ${h.totalMs.toFixed(1)} ms`).join(', ') +
        '.',
    );
  }
  lines.push('');
  return lines.join('\n');
}

function main(): void {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      top: { type: 'string', default: '15' },
      json: { type: 'boolean', default: false },
      windows: { type: 'string' },
    },
  });
  const file = positionals[0];
  if (!file) {
    process.stderr.write('Usage: node dist/bench/profile-summary.js FILE.cpuprofile [--top 15] [--json] [--windows START_US-END_US,...]\n');
    process.exitCode = 2;
    return;
  }
  const topCount = Number(values.top);
  if (!Number.isInteger(topCount) || topCount < 1 || topCount > 1000) {
    process.stderr.write(`--top must be an integer in 1..1000, got ${values.top}\n`);
    process.exitCode = 2;
    return;
  }
  let windows: TimeWindow[] | null = null;
  if (values.windows) {
    windows = values.windows.split(',').map((w) => {
      const m = /^(\d+)-(\d+)$/.exec(w.trim());
      if (!m) throw new Error(`--windows wants START_US-END_US[,...] on the monotonic clock, got ${w}`);
      return { startUs: Number(m[1]), endUs: Number(m[2]) };
    });
  }
  const summary = summarizeProfile(file, topCount, windows);
  process.stdout.write(values.json ? `${JSON.stringify(summary, null, 2)}\n` : formatSummary(summary, file));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
