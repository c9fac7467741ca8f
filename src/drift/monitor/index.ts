export * from './feature.js';
export * from './monitor.js';
export * from './reference-file.js';
export * from './ring.js';
export * from './stage.js';
export * from './tables.js';
export * from './thresholds.js';
