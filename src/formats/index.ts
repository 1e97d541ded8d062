// The format readers and writers, re-exported for the public API.
export * from './conll-column.js';
export * from './conllu.js';
export * from './sdp.js';
export * from './absa-xml.js';
export * from './tag-schemes.js';
export * from './tokenize.js';
export type * from './types.js';
