/**
 * A stand-in for `bin/samsa.js server` used only by the harness's own tests: it honours the same
 * command line contract (--override k=v, ready line on stdout, SIGTERM = clean exit).
 * `--override fake.mode=...` selects a misbehaviour: ok | silent | exit | ignore-sigterm.
 */
import { appendFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

const config = new Map<string, string>();
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--override') {
    const kv = argv[++i] ?? '';
    const eq = kv.indexOf('=');
    config.set(kv.slice(0, eq), kv.slice(eq + 1));
  }
}
const mode = config.get('fake.mode') ?? 'ok';
const listener = (config.get('listeners') ?? '').split(',').find((l) => l.startsWith('PLAINTEXT://'));
if (listener === undefined) {
  process.stderr.write('no PLAINTEXT listener\n');
  process.exit(2);
}
const [host, port] = listener.slice('PLAINTEXT://'.length).split(':') as [string, string];
appendFileSync(join(config.get('log.dirs') ?? '.', 'starts'), `${process.pid}\n`);

if (mode === 'exit') {
  process.stderr.write('fatal: pretend config error\n');
  process.exit(3);
}
const server = createServer((socket) => socket.end());
server.listen(Number(port), host, () => {
  if (mode !== 'silent') process.stdout.write(`[fake] listening on PLAINTEXT://${host}:${port}\n`);
});
process.on('SIGTERM', () => {
  if (mode === 'ignore-sigterm') return;
  server.close(() => process.exit(0));
});
