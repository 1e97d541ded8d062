// Builds candidates from specs: the offline default names (glove, use-l0, use-l1, char, casing), plus any
// candidates a YAML/JSON config file lists by name, kind and options.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { InputError, UsageError } from '../util/errors.js';
import type { Candidate, CandidateKind, CandidateSpec, FrozenCandidate } from './candidate.js';
import { createCasingCandidate } from './casing.js';
import { createCharCandidate } from './char-ids.js';
import { createFeatureCandidate } from './feature-columns.js';
import { createStaticCandidate, type StaticBuildContext } from './static-candidate.js';
import { createUseLiteCandidate } from './use-lite.js';
import { createTransformerCandidate } from './transformer.js';

/** The candidates available without any config or download beyond the installed packages. */
export const DEFAULT_CANDIDATES: Readonly<Record<string, CandidateSpec>> = Object.freeze({
  glove: { name: 'glove', kind: 'static', options: {} },
  'use-l0': { name: 'use-l0', kind: 'use-lite', options: { layer: 0, normalize: 'layer' } },
  'use-l1': { name: 'use-l1', kind: 'use-lite', options: { layer: 1, normalize: 'layer' } },
  char: { name: 'char', kind: 'char', options: {} },
  casing: { name: 'casing', kind: 'casing', options: {} },
});

const KINDS: readonly CandidateKind[] = ['static', 'use-lite', 'transformer', 'char', 'casing', 'feature'];

export interface CandidateBuildContext extends StaticBuildContext {
  cacheDir: string;
}

/** Instantiates one candidate (frozen ones load their weights; trainable ones are descriptions). */
export async function buildCandidate(spec: CandidateSpec, ctx: CandidateBuildContext): Promise<Candidate> {
  switch (spec.kind) {
    case 'static':
      return createStaticCandidate(spec, ctx);
    case 'use-lite':
      return createUseLiteCandidate(spec, { cacheDir: ctx.cacheDir });
    case 'transformer':
      return createTransformerCandidate(spec, { cacheDir: ctx.cacheDir });
    case 'char':
      return createCharCandidate(spec);
    case 'casing':
      return createCasingCandidate(spec);
    case 'feature':
      return createFeatureCandidate(spec);
  }
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
