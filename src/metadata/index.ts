// Public surface of the metadata layer: records, the image they build, and pure controller operations.
export * from './metadata-record.js';
export * from './metadata-image.js';
export * from './controller.js';
export * from './topic-name.js';
export * from './cluster-control.js';
export * from './image-snapshot.js';
