// The table of every distinct selection tried so far with its best dev score (the reward's comparison set).
import type { ScoredSelection } from './reward.js';

export interface SelectionEntry extends ScoredSelection {
  selection: boolean[];
  bestScore: number;
  /** How many episodes used this selection. */
  count: number;
  /** The first episode that tried it. */
  firstEpisode: number;
}

export function selectionKey(selection: readonly boolean[]): string {
  return selection.map((v) => (v ? '1' : '0')).join('');
}

/** A new table with `score` recorded for `selection` (best kept, count incremented); the input is not changed. */
export function recordSelection(
  table: readonly SelectionEntry[],
  selection: readonly boolean[],
  score: number,
  episode: number,
): SelectionEntry[] {
  const key = selectionKey(selection);
  let found = false;
  const next = table.map((e) => {
    if (selectionKey(e.selection) !== key) return { ...e, selection: [...e.selection] };
    found = true;
    return { ...e, selection: [...e.selection], bestScore: Math.max(e.bestScore, score), count: e.count + 1 };
  });
  if (!found) next.push({ selection: [...selection], bestScore: score, count: 1, firstEpisode: episode });
  return next;
}
