// The metrics, equal to the official scorers, re-exported for the public API.
export * from './spans.js';
export * from './accuracy.js';
export * from './attachment.js';
export * from './graph.js';
export * from './conll18.js';
export * from './per-class.js';
export * from './token-spans.js';
