/**
 * Drift: distances and tests (`measures`), streaming change detectors (`detectors`), the monitor
 * (reference vs sliding window, alert episodes with hysteresis and cool-down) and alert channels.
 */
export * from './detector.js';
export type * from './measure.js';
export * from './detectors/index.js';
export * from './measures/index.js';
export * from './monitor/index.js';
export * from './alerts/index.js';
