// Checks that gold and predicted sentence lists line up before a metric compares them position by position.

/**
 * Throws a RangeError naming the first sentence (0-based index) whose gold and predicted
 * sequences differ in length, or the sentence counts when they differ. Metrics are pure; the
 * CLI turns these into InputErrors that name the files.
 */
export function assertSameLengths(gold: readonly { readonly length: number }[], pred: readonly { readonly length: number }[], what: string): void {
  if (gold.length !== pred.length) {
    throw new RangeError(`gold has ${gold.length} sentences, prediction has ${pred.length}`);
  }
  for (let s = 0; s < gold.length; s++) {
    const g = (gold[s] as { length: number }).length;
    const p = (pred[s] as { length: number }).length;
    if (g !== p) throw new RangeError(`sentence ${s + 1}: gold has ${g} ${what}, prediction has ${p}`);
  }
}
