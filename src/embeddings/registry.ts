// Builds candidates from specs through one table of kinds: the offline built-in names (glove, use-l0, use-l1, char,
// casing, word, use-tok, pos, compromise-pos, random-a, random-b), plus any a YAML/JSON config file lists.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { Sentence } from '../formats/types.js';
import { InputError, UsageError } from '../util/errors.js';
import type { Candidate, CandidateKind, CandidateSpec, FrozenCandidate, TrainableCandidate } from './candidate.js';
import { createCasingCandidate } from './casing.js';
import { addCharVocab, createCharCandidate } from './char-ids.js';
import { addFeatureVocab, createFeatureCandidate } from './feature-columns.js';
import { createStaticCandidate, type StaticBuildContext } from './static-candidate.js';
import type { BlockVocabs } from './trainable.js';
import { addWordVocab, createWordCandidate } from './word.js';
import { createRandomCandidate } from './random.js';

/** The candidates available without any config or download beyond the installed packages. */
export const DEFAULT_CANDIDATES: Readonly<Record<string, CandidateSpec>> = Object.freeze({
  glove: { name: 'glove', kind: 'static', options: {} },
  'use-l0': { name: 'use-l0', kind: 'use-lite', options: { layer: 0, normalize: 'layer' } },
  'use-l1': { name: 'use-l1', kind: 'use-lite', options: { layer: 1, normalize: 'layer' } },
  char: { name: 'char', kind: 'char', options: {} },
  casing: { name: 'casing', kind: 'casing', options: {} },
  word: { name: 'word', kind: 'word', options: {} },
  'use-tok': { name: 'use-tok', kind: 'use-tokens', options: { normalize: 'layer' } },
  pos: { name: 'pos', kind: 'feature', options: { column: 'pos' } },
  'compromise-pos': { name: 'compromise-pos', kind: 'compromise-pos', options: {} },
  'random-a': { name: 'random-a', kind: 'random', options: { seed: 1 } },
  'random-b': { name: 'random-b', kind: 'random', options: { seed: 2 } },
});

export interface CandidateBuildContext extends StaticBuildContext {
  cacheDir: string;
}

/** What a frozen kind is: how to build its candidates (loading weights or files). */
export interface FrozenKind {
  readonly frozen: true;
  create(spec: CandidateSpec, ctx: CandidateBuildContext): Promise<FrozenCandidate>;
}

/** What a trainable kind is: its description from a spec, and what it needs from the training data. */
export interface TrainableKind {
  readonly frozen: false;
  create(spec: CandidateSpec): TrainableCandidate;
  /** Adds this candidate's vocabulary (stored in model bundles) from the training sentences. */
  addVocab?(spec: CandidateSpec, train: readonly Sentence[], vocabs: BlockVocabs): BlockVocabs;
}

export type KindEntry = FrozenKind | TrainableKind;

/**
 * Every candidate kind, by the name config files use. Adding a kind is one entry here. Kinds whose modules load large
 * runtimes (tfjs, onnxruntime) import them on first use.
 */
export const CANDIDATE_KINDS: Readonly<Record<CandidateKind, KindEntry>> = Object.freeze({
  static: { frozen: true, create: (spec, ctx) => createStaticCandidate(spec, ctx) },
  'use-lite': { frozen: true, create: async (spec, ctx) => (await import('./use-lite.js')).createUseLiteCandidate(spec, { cacheDir: ctx.cacheDir }) },
  'use-tokens': { frozen: true, create: async (spec, ctx) => (await import('./use-lite.js')).createUseTokensCandidate(spec, { cacheDir: ctx.cacheDir }) },
  transformer: { frozen: true, create: async (spec, ctx) => (await import('./transformer.js')).createTransformerCandidate(spec, { cacheDir: ctx.cacheDir }) },
  'compromise-pos': { frozen: true, create: async (spec) => (await import('./compromise-pos.js')).createCompromisePosCandidate(spec) },
  random: { frozen: true, create: async (spec) => createRandomCandidate(spec) },
  char: { frozen: false, create: createCharCandidate, addVocab: (_spec, train, vocabs) => addCharVocab(train, vocabs) },
  casing: { frozen: false, create: createCasingCandidate },
  feature: { frozen: false, create: createFeatureCandidate, addVocab: addFeatureVocab },
  word: { frozen: false, create: createWordCandidate, addVocab: addWordVocab },
} satisfies Record<CandidateKind, KindEntry>);

const KINDS = Object.keys(CANDIDATE_KINDS) as CandidateKind[];

/** The table entry of a kind; a kind not in the table (a bundle from another version) is a usage error. */
export function candidateKind(kind: string): KindEntry {
  const entry = (CANDIDATE_KINDS as Readonly<Record<string, KindEntry>>)[kind];
  if (!entry) throw new UsageError(`unknown candidate kind "${kind}" (known: ${KINDS.join(', ')})`);
  return entry;
}

/** Instantiates one candidate (frozen ones load their weights; trainable ones are descriptions that build layers). */
export async function buildCandidate(spec: CandidateSpec, ctx: CandidateBuildContext): Promise<Candidate> {
  const entry = candidateKind(spec.kind);
  return entry.frozen ? entry.create(spec, ctx) : entry.create(spec);
}

export function isFrozen(c: Candidate): c is FrozenCandidate {
  return c.frozen;
}

/** Validates one config entry; `where` names it in errors (entry index or name). */
function checkSpec(raw: unknown, file: string, where: string): CandidateSpec {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new InputError(file, where, 'a candidate must be a mapping');
  const r = raw as Record<string, unknown>;
  if (typeof r.name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(r.name)) {
    throw new InputError(file, where, `name must be a word of letters, digits, ".", "_" or "-" (got ${JSON.stringify(r.name)})`);
  }
  if (typeof r.kind !== 'string' || !KINDS.includes(r.kind as CandidateKind)) {
    throw new InputError(file, r.name, `kind must be one of ${KINDS.join(', ')} (got ${JSON.stringify(r.kind)})`);
  }
  if (r.options !== undefined && (r.options === null || typeof r.options !== 'object' || Array.isArray(r.options))) {
    throw new InputError(file, r.name, 'options must be a mapping');
  }
  const extra = Object.keys(r).filter((k) => !['name', 'kind', 'options'].includes(k));
  if (extra.length > 0) throw new InputError(file, r.name, `unknown field(s) ${extra.join(', ')}`);
  return { name: r.name, kind: r.kind as CandidateKind, options: (r.options as Record<string, unknown>) ?? {} };
}

/**
 * Parses a candidates config: YAML or JSON, either a list of specs or `{ candidates: [...] }`.
 *
 *   candidates:
 *     - name: fasttext-en
 *       kind: static
 *       options: { path: /data/cc.en.300.vec, oov: unk }
 */
export function parseCandidateConfig(text: string, file: string): CandidateSpec[] {
  let doc: unknown;
  try {
    doc = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new InputError(file, undefined, `cannot parse: ${(err as Error).message}`);
  }
  const list = Array.isArray(doc) ? doc : (doc as { candidates?: unknown } | null)?.candidates;
  if (!Array.isArray(list)) throw new InputError(file, undefined, 'expected a list of candidates or a "candidates:" list');
  const specs = list.map((raw, i) => checkSpec(raw, file, `candidate ${i + 1}`));
  const seen = new Set<string>();
  for (const s of specs) {
    if (seen.has(s.name)) throw new InputError(file, s.name, 'candidate name used twice');
    seen.add(s.name);
  }
  return specs;
}

export function loadCandidateConfig(file: string): CandidateSpec[] {
  return parseCandidateConfig(readFileSync(file, 'utf8'), file);
}

/** Resolves names to specs: config entries first (they may redefine a default name), then the defaults. */
export function resolveCandidateSpecs(names: readonly string[], config: readonly CandidateSpec[] = []): CandidateSpec[] {
  const byName = new Map<string, CandidateSpec>(Object.entries(DEFAULT_CANDIDATES));
  for (const s of config) byName.set(s.name, s);
  return names.map((n) => {
    const spec = byName.get(n);
    if (!spec) throw new UsageError(`unknown candidate "${n}" (known: ${[...byName.keys()].join(', ')})`);
    return spec;
  });
}
