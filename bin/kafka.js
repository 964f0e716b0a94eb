#!/usr/bin/env node
// Kafka-named entry points (kafka-topics, kafka-topics.sh, ...): the tool is the name this file was run as.
import { basename } from 'node:path';

const invokedAs = basename(process.argv[1] ?? '').replace(/\.js$/, '');
const tool = invokedAs === 'kafka' ? process.argv[2] : invokedAs;
const rest = invokedAs === 'kafka' ? process.argv.slice(3) : process.argv.slice(2);
const { main } = await import('../dist/src/cli/main.js');
process.exitCode = await main(tool, rest);
setTimeout(() => process.exit(process.exitCode), 5000).unref();
