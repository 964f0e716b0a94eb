// The `quorum-state` file of `__cluster_metadata-0`: Kafka's QuorumStateData as JSON (data_version 0,
// the static-voter format of Kafka 3.x, which Kafka's FileQuorumStateStore also reads), replaced
// atomically and durably: write `quorum-state.tmp`, fsync, rename, fsync the directory.
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { EMPTY_QUORUM_STATE, type QuorumState } from '../../raft/index.js';
import { fsyncDir } from '../../storage/index.js';

/** Kafka's file name. */
export const QUORUM_STATE_FILE = 'quorum-state';

/** QuorumStateData v0 as Kafka's JSON converter writes it. */
interface QuorumStateJson {
  clusterId?: string;
  leaderId?: number;
  leaderEpoch?: number;
  votedId?: number;
  votedDirectoryId?: string;
  appliedOffset?: number;
  currentVoters?: { voterId: number }[] | null;
  data_version?: number;
}

/** Reads and writes one partition directory's quorum-state file. */
export class QuorumStateFile {
  readonly path: string;

  constructor(readonly dir: string) {
    this.path = join(dir, QUORUM_STATE_FILE);
  }

  /**
   * The persisted state, or the empty state of a freshly formatted node when there is no file.
   * Throws (with the file and what to do) when the file is malformed or was written for another
   * voter set.
   */
  async read(voters: readonly number[]): Promise<QuorumState> {
    let text: string;
    try {
      text = await fsp.readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { ...EMPTY_QUORUM_STATE };
      throw err;
    }
    let json: QuorumStateJson;
    try {
      json = JSON.parse(text) as QuorumStateJson;
    } catch (err) {
      throw new Error(`${this.path} is not valid JSON (${(err as Error).message}); restore it or remove the metadata directory to reformat the node.`);
    }
    const int = (name: keyof QuorumStateJson, value: unknown, min: number): number => {
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
        throw new Error(`${this.path}: ${name} is ${JSON.stringify(value)}, expected an integer >= ${min}.`);
      }
      return value;
    };
    const state: QuorumState = {
      leaderEpoch: Math.max(0, int('leaderEpoch', json.leaderEpoch ?? -1, -1)),
      leaderId: int('leaderId', json.leaderId ?? -1, -1),
      votedId: int('votedId', json.votedId ?? -1, -1),
    };
    const fileVoters = json.currentVoters;
    if (Array.isArray(fileVoters)) {
      const ids = fileVoters.map((v) => v.voterId).sort((a, b) => a - b);
      const configured = [...voters].sort((a, b) => a - b);
      if (ids.join(',') !== configured.join(',')) {
        throw new Error(
          `${this.path} was written for voters [${ids.join(',')}] but controller.quorum.voters names [${configured.join(',')}]; ` +
            'use the same voter set or reformat the metadata directory.',
        );
      }
    }
    for (const id of [state.leaderId, state.votedId]) {
      if (id !== -1 && !voters.includes(id)) throw new Error(`${this.path} names node ${id}, which is not among the voters [${voters.join(',')}].`);
    }
    return state;
  }

  /** Replaces the file durably: it is on disk when the promise resolves. */
  async write(state: QuorumState, voters: readonly number[]): Promise<void> {
    const json: QuorumStateJson = {
      clusterId: '',
      leaderId: state.leaderId,
      leaderEpoch: state.leaderEpoch,
      votedId: state.votedId,
      appliedOffset: 0,
      currentVoters: voters.map((voterId) => ({ voterId })),
      data_version: 0,
    };
    await writeFileDurably(this.path, JSON.stringify(json));
  }
}

/** Writes `<file>.tmp`, fsyncs it, renames it over `file` and fsyncs the directory. */
export async function writeFileDurably(file: string, data: string | Buffer, tmpSuffix = '.tmp'): Promise<void> {
  const tmp = file + tmpSuffix;
  const handle = await fsp.open(tmp, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fsp.rename(tmp, file);
  await fsyncDir(join(file, '..'));
}

/** fsyncs a directory so that creates, renames and unlinks in it are durable (storage's). */
export { fsyncDir };
