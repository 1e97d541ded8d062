// Allowed-transition masks for the linear-chain CRF, and the builder that makes BIOES/IOB2/IOB1 output well formed.

/**
 * Which tag moves a CRF may take; a disallowed move has score −∞ (impossible).
 * `allowed [K, K]` row-major: allowed[i * K + j] = 1 when tag j may follow tag i.
 * `allowedStart [K]`, `allowedEnd [K]`: 1 when a sequence may start / end with that tag.
 */
export interface TransitionConstraints {
  readonly numTags: number;
  readonly allowed: Uint8Array;
  readonly allowedStart: Uint8Array;
  readonly allowedEnd: Uint8Array;
}

export type TagScheme = 'bioes' | 'iob2' | 'iob1';

/** Constraints that allow every move (the unconstrained CRF), for K tags. */
export function allowAllTransitions(numTags: number): TransitionConstraints {
  return {
    numTags,
    allowed: new Uint8Array(numTags * numTags).fill(1),
    allowedStart: new Uint8Array(numTags).fill(1),
    allowedEnd: new Uint8Array(numTags).fill(1),
  };
}

interface ParsedTag {
  /** 'O', or the scheme prefix letter; null for a label the scheme does not know (e.g. '<pad>'). */
  prefix: 'O' | 'B' | 'I' | 'E' | 'S' | null;
  type: string;
}

function parseTag(label: string, scheme: TagScheme): ParsedTag {
  if (label === 'O') return { prefix: 'O', type: '' };
  const dash = label.indexOf('-');
  // The type may itself contain dashes ('B-geo-loc'), so split at the first one only.
  if (dash !== 1 || label.length < 3) return { prefix: null, type: '' };
  const p = label[0];
  const known = scheme === 'bioes' ? 'BIES' : 'BI';
  if (!known.includes(p)) return { prefix: null, type: '' };
  return { prefix: p as ParsedTag['prefix'], type: label.slice(2) };
}

/** May a tag with `to` follow a tag with `from` (null = sequence start)? */
function followOk(from: ParsedTag | null, to: ParsedTag, scheme: TagScheme): boolean {
  const inside = from !== null && (from.prefix === 'B' || from.prefix === 'I');
  const sameType = from !== null && from.type === to.type;
  switch (scheme) {
    case 'bioes':
      // B-X/I-X open a phrase that only I-X or E-X may continue; after O, E, S (or at the start) a phrase may open.
      if (inside) return (to.prefix === 'I' || to.prefix === 'E') && sameType;
      return to.prefix === 'O' || to.prefix === 'B' || to.prefix === 'S';
    case 'iob2':
      if (to.prefix === 'I') return inside && sameType;
      return true;
    case 'iob1':
      // I-X may open a phrase; B-X only separates two adjacent phrases of the same type.
      if (to.prefix === 'B') return inside && sameType;
      return true;
  }
}

/** May a sequence end after this tag? */
function endOk(tag: ParsedTag, scheme: TagScheme): boolean {
  if (scheme === 'bioes') return tag.prefix === 'O' || tag.prefix === 'E' || tag.prefix === 'S';
  return true;
}

/**
 * Constraints under which every decoded sequence over `labels` is well formed in `scheme`:
 * bioes — B-X/I-X must be continued by I-X/E-X, E-X closes, S-X stands alone, O anywhere;
 * iob2 — I-X only after B-X or I-X; iob1 — I-X may open a phrase, B-X only after B-X/I-X of the same type.
 * Labels the scheme does not recognise (e.g. '<pad>', or 'E-X' under iob2) are never allowed anywhere.
 */
export function schemeConstraints(labels: readonly string[], scheme: TagScheme): TransitionConstraints {
  const k = labels.length;
  const parsed = labels.map((label) => parseTag(label, scheme));
  const allowed = new Uint8Array(k * k);
  const allowedStart = new Uint8Array(k);
  const allowedEnd = new Uint8Array(k);
  for (let j = 0; j < k; j++) {
    const to = parsed[j];
    if (to.prefix === null) continue;
    allowedStart[j] = followOk(null, to, scheme) ? 1 : 0;
    allowedEnd[j] = endOk(to, scheme) ? 1 : 0;
    for (let i = 0; i < k; i++) {
      const from = parsed[i];
      if (from.prefix === null) continue;
      allowed[i * k + j] = followOk(from, to, scheme) ? 1 : 0;
    }
  }
  return { numTags: k, allowed, allowedStart, allowedEnd };
}

/** True when `tags` (indices into the constraint's tag set) take only allowed moves. */
export function satisfiesConstraints(tags: ArrayLike<number>, c: TransitionConstraints): boolean {
  const t = tags.length;
  if (t === 0) return true;
  const k = c.numTags;
  if (!c.allowedStart[tags[0]] || !c.allowedEnd[tags[t - 1]]) return false;
  for (let i = 1; i < t; i++) if (!c.allowed[tags[i - 1] * k + tags[i]]) return false;
  return true;
}
