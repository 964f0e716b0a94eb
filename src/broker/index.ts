// Public surface of the broker: the composition root and the `samsa server` entry.
export { Broker, type BrokerSettings } from './broker.js';
export { runServer, parseServerArgs } from './main.js';
export { BROKER_NODE_FLAGS } from './node-flags.js';
