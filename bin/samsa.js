#!/usr/bin/env node
// Samsa command line: `samsa server ...` starts a broker; `samsa cluster ...` runs a local cluster;
// `samsa <tool>` runs a Kafka-compatible tool.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
if (!existsSync(join(root, 'dist', 'src', 'broker', 'main.js'))) {
  process.stderr.write('Samsa is not built yet: run `npm install` (or `npm run build`) in ' + root + '\n');
  process.exit(1);
}
const [command, ...rest] = process.argv.slice(2);
if (command === 'server') {
  const { runServer } = await import('../dist/src/broker/main.js');
  const code = await runServer(rest);
  if (code >= 0) process.exit(code);
} else if (command === 'cluster') {
  const { runCluster } = await import('../dist/src/broker/local-cluster.js');
  process.exit(await runCluster(rest));
} else {
  const { main } = await import('../dist/src/cli/main.js');
  process.exitCode = await main(command, rest);
  // Tools close their clients; should a stray handle linger, leave anyway (without cutting stdout short).
  setTimeout(() => process.exit(process.exitCode), 5000).unref();
}
