// A string → id vocabulary built from training data, with reserved padding and unknown ids; serialisable.

export const PAD_ID = 0;
export const UNK_ID = 1;

export class IdVocab {
  private readonly ids = new Map<string, number>();

  /** `items` are the known strings in id order, starting at id 2 (0 = padding, 1 = unknown). */
  constructor(readonly items: readonly string[]) {
    items.forEach((s, i) => {
      if (this.ids.has(s)) throw new Error(`IdVocab: duplicate item ${JSON.stringify(s)}`);
      this.ids.set(s, i + 2);
    });
  }

  /** Number of ids including padding and unknown. */
  get size(): number {
    return this.items.length + 2;
  }

  id(item: string): number {
    return this.ids.get(item) ?? UNK_ID;
  }

  /** Counts items and keeps those seen at least `minCount` times, most frequent first (ties in first-seen order). */
  static fromCounts(stream: Iterable<string>, minCount = 1): IdVocab {
    const counts = new Map<string, number>();
    for (const s of stream) counts.set(s, (counts.get(s) ?? 0) + 1);
    const items = [...counts].filter(([, c]) => c >= minCount);
    items.sort((a, b) => b[1] - a[1]); // stable: equal counts stay in first-seen order
    return new IdVocab(items.map(([s]) => s));
  }

  toJSON(): { items: readonly string[] } {
    return { items: this.items };
  }

  static fromJSON(json: { items: readonly string[] }): IdVocab {
    return new IdVocab(json.items);
  }
}
