export { Reader } from './reader.js';
export { Writer, encodeTagged } from './writer.js';
export { EMPTY_BYTES, ProtocolError, ZERO_UUID, isDefaultValue, type Init, type TaggedField } from './types.js';
export type { MessageCodec } from './codec.js';
