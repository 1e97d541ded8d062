// Builds candidates from specs through one table of kinds: the offline built-in names (glove, use-l0, use-l1, char,
// casing, word, use-tok, pos, compromise-pos, random-a, random-b), plus any a YAML/JSON config file lists.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { Sentence } from '../formats/types.js';
import { InputError, UsageError } from '../util/errors.js';
import type { Candidate, CandidateKind, CandidateSpec, FrozenCandidate, TrainableCandidate } from './candidate.js';
import { createCasingCandidate } from './casing.js';
import { addCharVocab, createCharCandidate } from './char-ids.js';
import { addFeatureVocab, createFeatureCandidate } from './feature-columns.js';
import { createStaticCandidate, type StaticBuildContext } from './static-candidate.js';
import type { BlockVocabs } from './trainable.js';
import { ConfigDocument, editDistance, optionTypes as t } from './config-schema.js';
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
  /** Every option a config file may give (unknown keys are errors). */
  readonly options: z.ZodObject;
  create(spec: CandidateSpec, ctx: CandidateBuildContext): Promise<FrozenCandidate>;
}

/** What a trainable kind is: its description from a spec, and what it needs from the training data. */
export interface TrainableKind {
  readonly frozen: false;
  readonly options: z.ZodObject;
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
  static: {
    frozen: true,
    options: z.strictObject({
      path: z.string().optional(), format: z.enum(['text', 'word2vec-binary', 'ace-binary']).optional(), lowercaseFallback: z.boolean().optional(),
      oov: z.enum(['zero', 'unk']).optional(), dtype: z.enum(['float32', 'float16']).optional(), normalize: t.normalize.optional(),
    }),
    create: (spec, ctx) => createStaticCandidate(spec, ctx),
  },
  'use-lite': {
    frozen: true,
    options: z.strictObject({ layer: z.union([z.literal(0), z.literal(1)]), pooling: t.pooling.optional(), batchSize: t.posInt.optional(), normalize: t.normalize.optional() }),
    create: async (spec, ctx) => (await import('./use-lite.js')).createUseLiteCandidate(spec, { cacheDir: ctx.cacheDir }),
  },
  'use-tokens': {
    frozen: true,
    options: z.strictObject({ pooling: t.pooling.optional(), normalize: t.normalize.optional() }),
    create: async (spec, ctx) => (await import('./use-lite.js')).createUseTokensCandidate(spec, { cacheDir: ctx.cacheDir }),
  },
  transformer: {
    frozen: true,
    options: z.strictObject({
      path: z.string().optional(), model: z.string().optional(), download: z.boolean().optional(), layers: z.array(t.int).min(1).optional(),
      pooling: t.pooling.optional(), maxLength: t.posInt.optional(), context: z.boolean().optional(), batchSize: t.posInt.optional(),
      threads: t.int.nonnegative().optional(), normalize: t.normalize.optional(),
    }),
    create: async (spec, ctx) => (await import('./transformer.js')).createTransformerCandidate(spec, { cacheDir: ctx.cacheDir }),
  },
  'compromise-pos': {
    frozen: true,
    options: z.strictObject({ normalize: t.normalize.optional() }),
    create: async (spec) => (await import('./compromise-pos.js')).createCompromisePosCandidate(spec),
  },
  random: {
    frozen: true,
    options: z.strictObject({ seed: t.int, dim: t.posInt.optional(), normalize: t.normalize.optional() }),
    create: async (spec) => createRandomCandidate(spec),
  },
  char: {
    frozen: false,
    options: z.strictObject({ dim: t.posInt.optional(), charDim: t.posInt.optional() }),
    create: createCharCandidate,
    addVocab: (_spec, train, vocabs) => addCharVocab(train, vocabs),
  },
  casing: { frozen: false, options: z.strictObject({ dim: t.posInt.optional() }), create: createCasingCandidate },
  feature: {
    frozen: false,
    options: z.strictObject({ column: z.string().min(1), dim: t.posInt.optional() }),
    create: createFeatureCandidate,
    addVocab: addFeatureVocab,
  },
  word: {
    frozen: false,
    options: z.strictObject({ dim: t.posInt.optional(), minCount: t.posInt.optional(), lowercase: z.boolean().optional() }),
    create: createWordCandidate,
    addVocab: addWordVocab,
  },
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

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const ENTRY = z.strictObject({ name: z.unknown(), kind: z.unknown(), options: z.unknown().optional() });

/** Validates entry `i` of a config (at `at` in the document): its keys, name, kind and every option of its kind. */
function checkSpec(doc: ConfigDocument, raw: unknown, at: (string | number)[]): CandidateSpec {
  const file = doc.file;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new InputError(file, doc.line(at), 'a candidate must be a mapping');
  const r = doc.check(ENTRY, raw, at, { item: 'key', of: 'a candidate', known: ['name', 'kind', 'options'] });
  if (typeof r.name !== 'string' || !NAME.test(r.name)) {
    throw new InputError(file, doc.line([...at, 'name']), `name must be a word of letters, digits, ".", "_" or "-" (got ${JSON.stringify(r.name)})`);
  }
  if (typeof r.kind !== 'string' || !KINDS.includes(r.kind as CandidateKind)) {
    const near = typeof r.kind === 'string' ? nearestKind(r.kind) : undefined;
    throw new InputError(file, doc.line([...at, 'kind']), `candidate ${r.name}: kind must be one of ${KINDS.join(', ')} (got ${JSON.stringify(r.kind)}${near ? `; did you mean "${near}"?` : ''})`);
  }
  const kind = r.kind as CandidateKind;
  if (r.options !== undefined && (r.options === null || typeof r.options !== 'object' || Array.isArray(r.options))) {
    throw new InputError(file, doc.line([...at, 'options']), `candidate ${r.name}: options must be a mapping`);
  }
  const schema = CANDIDATE_KINDS[kind].options;
  const options = (r.options ?? {}) as Record<string, unknown>;
  doc.check(schema, options, [...at, 'options'], { item: 'option', of: `a ${kind} candidate`, known: Object.keys(schema.shape) });
  return { name: r.name, kind, options };
}

function nearestKind(kind: string): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of KINDS) {
    const d = editDistance(kind, k);
    if (d < bestD) [best, bestD] = [k, d];
  }
  return bestD <= 3 ? best : undefined;
}

/**
 * Parses a candidates config: YAML or JSON, either a list of specs or `{ candidates: [...] }`. Every entry and its
 * options are checked against the kind's schema: an unknown key (a typo such as `pth:` for `path:`) is an error naming
 * the file, the line and the nearest known key, never silently ignored.
 *
 *   candidates:
 *     - name: fasttext-en
 *       kind: static
 *       options: { path: /data/cc.en.300.vec, oov: unk }
 */
export function parseCandidateConfig(text: string, file: string): CandidateSpec[] {
  const doc = new ConfigDocument(text, file);
  const top = doc.toJS();
  const nested = !Array.isArray(top) && top !== null && typeof top === 'object';
  if (nested) doc.check(z.strictObject({ candidates: z.unknown() }), top, [], { item: 'key', of: 'a candidates file', known: ['candidates'] });
  const list = Array.isArray(top) ? top : (top as { candidates?: unknown } | null)?.candidates;
  if (!Array.isArray(list)) throw new InputError(file, undefined, 'expected a list of candidates or a "candidates:" list');
  const base: (string | number)[] = nested ? ['candidates'] : [];
  const specs = list.map((raw, i) => checkSpec(doc, raw, [...base, i]));
  const seen = new Set<string>();
  specs.forEach((s, i) => {
    if (seen.has(s.name)) throw new InputError(file, doc.line([...base, i, 'name']), `candidate ${s.name}: name used twice`);
    seen.add(s.name);
  });
  return specs;
}

export function loadCandidateConfig(file: string): CandidateSpec[] {
  return parseCandidateConfig(readFileSync(file, 'utf8'), file);
}

/**
 * Resolves names to specs: config entries first (they may redefine a default name), then the defaults. The list must
 * name at least one candidate, each once (a block twice would only double its columns).
 */
export function resolveCandidateSpecs(names: readonly string[], config: readonly CandidateSpec[] = []): CandidateSpec[] {
  const byName = new Map<string, CandidateSpec>(Object.entries(DEFAULT_CANDIDATES));
  for (const s of config) byName.set(s.name, s);
  const known = (): string => [...byName.keys()].join(', ');
  if (names.length === 0 || names.every((n) => n.trim() === '')) throw new UsageError(`no candidates given: name at least one (known: ${known()})`);
  const seen = new Set<string>();
  return names.map((n) => {
    if (seen.has(n)) throw new UsageError(`candidate "${n}" is listed twice`);
    seen.add(n);
    const spec = byName.get(n);
    if (!spec) throw new UsageError(`unknown candidate "${n}" (known: ${known()})`);
    return spec;
  });
}
