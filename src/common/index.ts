// Public surface of common: assertions and Kafka error codes.
export * from './assert.js';
export * from './errors.js';
export * from './properties.js';
