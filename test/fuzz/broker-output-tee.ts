/**
 * Broker entry point for the fuzz test (startBroker's `binPath`): runs the real bin/samsa.js in
 * this same process (so the harness's pid and RSS are the broker's) and copies everything the
 * broker writes through process.stdout/stderr to $SAMSA_FUZZ_BROKER_OUTPUT. The harness keeps
 * only a 16 KiB tail; the fuzzer needs every "closing connection ...: reason" line to tell
 * decoder rejections from internal errors. Fatal-error stacks bypass process.stderr and still
 * reach the harness's stderr tail.
 *
 * `node --test dist/` also runs this file (it sits under test/): without the variable it does nothing.
 */
import { openSync, writeSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { brokerBinPath } from '../helpers/broker.js';

const outputPath = process.env['SAMSA_FUZZ_BROKER_OUTPUT'];
if (outputPath !== undefined && process.argv[2] === 'server') {
  const fd = openSync(outputPath, 'a');
  for (const stream of [process.stdout, process.stderr]) {
    const original = stream.write.bind(stream) as (...args: unknown[]) => boolean;
    stream.write = ((chunk: unknown, ...rest: unknown[]): boolean => {
      try {
        if (typeof chunk === 'string') writeSync(fd, chunk);
        else writeSync(fd, chunk as Uint8Array);
      } catch {
        // the copy is best effort; the broker's own output must not fail because of it
      }
      return original(chunk, ...rest);
    }) as typeof stream.write;
  }
  await import(pathToFileURL(brokerBinPath).href);
}
