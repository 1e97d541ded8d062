// An in-memory word-vector table (vocabulary + row-major Float32 matrix) and the word filter readers share.

export interface VectorTable {
  readonly dim: number;
  /** Words in row order. */
  readonly words: readonly string[];
  readonly index: ReadonlyMap<string, number>;
  /** words.length × dim, row-major. */
  readonly matrix: Float32Array;
}

export interface VectorKeepOptions {
  /** Keep only the vectors the data can use (the words of all splits); undefined keeps everything. */
  keep?: ReadonlySet<string> | undefined;
  /** Also keep the lowercase forms of `keep`, for lookup's lowercase fallback. Default true. */
  lowercaseFallback?: boolean;
  /** Receives problems that do not stop reading (a header count that disagrees with the rows). */
  onWarning?: (message: string) => void;
}

/** A predicate saying whether a file word is worth keeping, given the data's words. */
export function keepFilter(opts: VectorKeepOptions): (word: string) => boolean {
  const keep = opts.keep;
  if (!keep) return () => true;
  if (opts.lowercaseFallback === false) return (w) => keep.has(w);
  // One set holding both forms: one lookup per file word (this runs for every word of a 341k-word vocabulary).
  const either = new Set<string>(keep);
  for (const w of keep) either.add(w.toLowerCase());
  return (w) => either.has(w);
}

/** Collects rows one by one (unknown final count) and freezes them into a VectorTable; first occurrence wins. */
export class VectorTableBuilder {
  private readonly words: string[] = [];
  private readonly index = new Map<string, number>();
  private data: Float32Array;

  constructor(readonly dim: number, capacity = 1024) {
    this.data = new Float32Array(Math.max(1, capacity) * dim);
  }

  has(word: string): boolean {
    return this.index.has(word);
  }

  /** Returns the row to fill for a new word, or undefined when the word is already present (duplicate line). */
  add(word: string): Float32Array | undefined {
    if (this.index.has(word)) return undefined;
    const row = this.words.length;
    if ((row + 1) * this.dim > this.data.length) {
      const grown = new Float32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.words.push(word);
    this.index.set(word, row);
    return this.data.subarray(row * this.dim, (row + 1) * this.dim);
  }

  build(): VectorTable {
    const matrix = this.data.slice(0, this.words.length * this.dim);
    return { dim: this.dim, words: this.words, index: this.index, matrix };
  }
}

/** Row index of a word, trying the exact form then (if allowed) the lowercase form; -1 when out of vocabulary. */
export function lookupRow(table: VectorTable, word: string, lowercaseFallback = true): number {
  const exact = table.index.get(word);
  if (exact !== undefined) return exact;
  if (!lowercaseFallback) return -1;
  return table.index.get(word.toLowerCase()) ?? -1;
}
