#!/usr/bin/env node
// Samsa command line: `samsa server ...` starts a broker; other tools arrive with the client.
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
} else {
  const known = ['server'];
  process.stderr.write(
    (command && command !== '--help' && command !== '-h' ? `Unknown command '${command}'.\n` : '') +
      `Usage: samsa <command> [options]\nCommands:\n  server   start a broker (samsa server --help)\n`,
  );
  process.exit(command === '--help' || command === '-h' ? 0 : 1);
}
