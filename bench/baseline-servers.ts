/**
 * The raw-Node baselines Samsa is compared with, run as a child process of run.ts:
 *
 * - append: reads size-prefixed frames from each connection, appends every frame body to one file
 *   with fs.writeSync and answers each with an 8-byte ack [int32 4][int32 correlation id] (the id
 *   read where a Kafka request header keeps it). "TCP to file append".
 * - serve: answers requests [int32 8][int32 correlation id][int32 N] with the next N bytes of a list
 *   of files read in order with fs.readSync, as [int32 size][int32 correlation id][bytes]; each
 *   connection starts at the beginning of the first file. "File to TCP".
 *
 * Usage: node dist/bench/baseline-servers.js append --host 127.0.0.x --file PATH
 *        node dist/bench/baseline-servers.js serve --host 127.0.0.x --files PATH[,PATH...]
 * Listens on a free port of the host and prints `baseline <mode> listening on HOST:PORT`; stops on
 * SIGTERM or SIGINT.
 */
import fs from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { parseArgs } from 'node:util';
import { FrameReader } from './common.js';

/** Largest chunk the serve mode reads for one request. */
const MAX_SERVE_REQUEST_BYTES = 64 * 1024 * 1024;
/** Correlation id position in a Kafka request header (apiKey int16, apiVersion int16, then the id). */
const KAFKA_CORRELATION_ID_AT = 4;

function serveAppend(socket: Socket, fd: number): void {
  const reader = new FrameReader();
  onFrames(socket, reader, (frame) => {
    let written = 0;
    // Bounded: each writeSync call writes at least one byte or throws.
    while (written < frame.length) written += fs.writeSync(fd, frame, written, frame.length - written);
    const ack = Buffer.allocUnsafe(8);
    ack.writeInt32BE(4, 0);
    ack.writeInt32BE(frame.length >= 8 ? frame.readInt32BE(KAFKA_CORRELATION_ID_AT) : -1, 4);
    socket.write(ack);
  });
}

interface OpenFile {
  fd: number;
  sizeBytes: number;
}

function serveFiles(socket: Socket, files: readonly OpenFile[]): void {
  const reader = new FrameReader(64);
  let fileIndex = 0;
  let position = 0;
  onFrames(socket, reader, (frame) => {
    if (frame.length !== 8) throw new Error(`serve request of ${frame.length} bytes, expected 8`);
    const correlationId = frame.readInt32BE(0);
    const wanted = Math.max(0, Math.min(frame.readInt32BE(4), MAX_SERVE_REQUEST_BYTES));
    const out = Buffer.allocUnsafe(8 + wanted);
    let filled = 0;
    // Bounded by the number of files: each pass reads to the end of one or fills the buffer.
    while (filled < wanted && fileIndex < files.length) {
      const file = files[fileIndex]!;
      const n = Math.min(wanted - filled, file.sizeBytes - position);
      let read = 0;
      while (read < n) {
        const got = fs.readSync(file.fd, out, 8 + filled + read, n - read, position + read);
        if (got === 0) throw new Error(`file ${fileIndex} ended early at ${position + read}`);
        read += got;
      }
      filled += n;
      position += n;
      if (position >= file.sizeBytes) {
        fileIndex++;
        position = 0;
      }
    }
    out.writeInt32BE(4 + filled, 0);
    out.writeInt32BE(correlationId, 4);
    socket.write(filled === wanted ? out : out.subarray(0, 8 + filled));
  });
}

/** Feeds a socket's bytes to `reader`; a malformed stream closes that connection only. */
function onFrames(socket: Socket, reader: FrameReader, onFrame: (frame: Buffer) => void): void {
  socket.on('data', (data: Buffer) => {
    try {
      reader.push(data, onFrame);
    } catch (error) {
      process.stderr.write(`closing a connection: ${(error as Error).message}\n`);
      socket.destroy();
    }
  });
}

function main(): void {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { host: { type: 'string' }, file: { type: 'string' }, files: { type: 'string' } },
  });
  const mode = positionals[0];
  const host = values.host;
  if ((mode !== 'append' && mode !== 'serve') || !host || !host.startsWith('127.')) {
    process.stderr.write('Usage: baseline-servers.js append|serve --host 127.0.0.x (--file PATH | --files PATH,...)\n');
    process.exit(2);
  }
  let onConnection: (socket: Socket) => void;
  const fds: number[] = [];
  if (mode === 'append') {
    if (!values.file) throw new Error('append needs --file');
    const fd = fs.openSync(values.file, 'a');
    fds.push(fd);
    onConnection = (socket) => serveAppend(socket, fd);
  } else {
    if (!values.files) throw new Error('serve needs --files');
    const files = values.files.split(',').map((path) => {
      const fd = fs.openSync(path, 'r');
      fds.push(fd);
      return { fd, sizeBytes: fs.fstatSync(fd).size };
    });
    onConnection = (socket) => serveFiles(socket, files);
  }
  const server = createServer((socket) => {
    socket.setNoDelay(true);
    socket.on('error', () => socket.destroy());
    try {
      onConnection(socket);
    } catch (error) {
      process.stderr.write(`${(error as Error).message}\n`);
      socket.destroy();
    }
  });
  server.listen(0, host, () => {
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('unexpected server address');
    process.stdout.write(`baseline ${mode} listening on ${host}:${address.port}\n`);
  });
  const stop = (): void => {
    server.close();
    for (const fd of fds) fs.closeSync(fd);
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main();
