// Batches of sentences by a token budget: sorted by length so a batch holds sentences of similar length.
import type { Rng } from '../../util/rng.js';

/**
 * Groups sentence indices so that each batch's padded size (sentences × (longest + 1 for the root)) stays within
 * `budget`; a sentence longer than the budget gets a batch of its own. With an Rng, sentences of equal length are
 * shuffled before the (stable) sort and the batch order is shuffled; without one, the order is fixed.
 */
export function tokenBatches(lengths: readonly number[], budget: number, rng: Rng | null = null): number[][] {
  if (!(budget >= 1)) throw new RangeError(`token budget must be at least 1, got ${budget}`);
  const order = lengths.map((_, i) => i);
  if (rng) rng.shuffle(order);
  order.sort((a, b) => lengths[a] - lengths[b] || (rng ? 0 : a - b));
  const batches: number[][] = [];
  let current: number[] = [];
  for (const i of order) {
    // Ascending lengths: the newest sentence is the longest of its batch.
    if (current.length > 0 && (current.length + 1) * (lengths[i] + 1) > budget) {
      batches.push(current);
      current = [];
    }
    current.push(i);
  }
  if (current.length > 0) batches.push(current);
  return rng ? rng.shuffle(batches) : batches;
}

export { layoutOf, makeBatch } from '../shared/batch.js';
