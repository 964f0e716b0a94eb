// Public surface of the protocol layer: primitives, framing, generated codecs, records.
export * from './primitives/index.js';
export * from './framing.js';
export { API_SCHEMAS, ApiKey, type ApiSchema } from './generated/apis.js';
export * from './records/index.js';
export { crc32c, crc32cImplementation } from './crc32c.js';
export { FrameSplitter } from './frame-splitter.js';
