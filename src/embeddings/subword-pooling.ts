// Pools subword (piece) states into one vector per word: pure functions over flat row-major arrays.

/** How a word's pieces become one vector (flair's `subtoken_pooling`; ACE used 'first'). */
export type SubwordPooling = 'first' | 'last' | 'mean' | 'first_last';

export const SUBWORD_POOLINGS: readonly SubwordPooling[] = Object.freeze(['first', 'last', 'mean', 'first_last']);

/** The pieces of one word: rows [start, end) of the piece-state matrix. `start === end` means no piece. */
export interface PieceSpan {
  start: number;
  end: number;
}

export function isSubwordPooling(value: unknown): value is SubwordPooling {
  return typeof value === 'string' && (SUBWORD_POOLINGS as readonly string[]).includes(value);
}

/** Output width per word: 'first_last' concatenates two rows, the others keep the piece width. */
export function pooledDim(pooling: SubwordPooling, pieceDim: number): number {
  return pooling === 'first_last' ? 2 * pieceDim : pieceDim;
}

/**
 * Pools `states` [pieces × dim] into [spans.length × pooledDim(pooling, dim)].
 * A span with no piece yields a zero row: the aligners give every word at least one piece (an unknown piece when
 * the tokenizer drops the word), so this is only a guard that keeps shapes right.
 */
export function poolSubwords(
  states: Float32Array,
  dim: number,
  spans: readonly PieceSpan[],
  pooling: SubwordPooling,
): Float32Array {
  const rows = states.length / dim;
  const outDim = pooledDim(pooling, dim);
  const out = new Float32Array(spans.length * outDim);
  spans.forEach((span, w) => {
    if (span.start < 0 || span.end > rows || span.start > span.end) {
      throw new RangeError(`piece span [${span.start}, ${span.end}) of word ${w} is outside 0..${rows}`);
    }
    if (span.start === span.end) return;
    const base = w * outDim;
    const first = span.start * dim;
    const last = (span.end - 1) * dim;
    switch (pooling) {
      case 'first':
        out.set(states.subarray(first, first + dim), base);
        break;
      case 'last':
        out.set(states.subarray(last, last + dim), base);
        break;
      case 'first_last':
        out.set(states.subarray(first, first + dim), base);
        out.set(states.subarray(last, last + dim), base + dim);
        break;
      case 'mean': {
        const n = span.end - span.start;
        for (let r = span.start; r < span.end; r++) {
          const off = r * dim;
          for (let j = 0; j < dim; j++) out[base + j] += states[off + j];
        }
        for (let j = 0; j < dim; j++) out[base + j] /= n;
        break;
      }
    }
  });
  return out;
}

/** Consecutive spans from per-word piece counts (e.g. [1, 3, 0, 2] → [0,1) [1,4) [4,4) [4,6)). */
export function spansFromCounts(counts: readonly number[], offset = 0): PieceSpan[] {
  const spans: PieceSpan[] = [];
  let at = offset;
  for (const n of counts) {
    spans.push({ start: at, end: at + n });
    at += n;
  }
  return spans;
}
