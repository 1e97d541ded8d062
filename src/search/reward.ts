// Per-candidate rewards for the ACE controller (Wang et al. 2021, eq. 5–6): Hamming-decayed score differences.

/**
 * How a raw score difference d is shaped before it is used:
 *  - 'none': d
 *  - 'sqrt': sign(d) · √|d|
 *  - 'log':  sign(d) · ln(|d| + 1)
 * Shaping is applied to each difference R_t − R_j before the Hamming discount (as the official code does).
 */
export type RewardShaping = 'none' | 'sqrt' | 'log';

/**
 * 'hamming': r^l = Σ_j shape(R_t − R_j) · γ^(Hamming(a_t, a_j) − 1) · |a_t^l − a_j^l| over distinct earlier selections j.
 * 'vanilla': every position gets shape(R_t − best score so far) (the paper's simpler baseline reward).
 */
export type RewardKind = 'hamming' | 'vanilla';

export interface RewardOptions {
  kind: RewardKind;
  /** γ, the decay per extra differing candidate. */
  discount: number;
  shaping: RewardShaping;
  /**
   * Scores are multiplied by this before differences are taken. Task models report percentages, and so does the
   * official ACE trainer (its rewards come from `main_score*100`), so the default is 1. Searches saved before
   * this default changed were run at 0.01, and their saved commands keep it.
   */
  scale: number;
}

export const DEFAULT_REWARD_OPTIONS: Readonly<RewardOptions> = Object.freeze({
  kind: 'hamming',
  discount: 0.5,
  shaping: 'none',
  scale: 1,
});

/** A distinct selection tried earlier with the best dev score it reached. */
export interface ScoredSelection {
  selection: readonly boolean[];
  bestScore: number;
}

export function shapeReward(diff: number, shaping: RewardShaping): number {
  switch (shaping) {
    case 'none':
      return diff;
    case 'sqrt':
      return Math.sign(diff) * Math.sqrt(Math.abs(diff));
    case 'log':
      return Math.sign(diff) * Math.log(Math.abs(diff) + 1);
  }
}

export function hammingDistance(a: readonly boolean[], b: readonly boolean[]): number {
  if (a.length !== b.length) throw new RangeError(`selections differ in length: ${a.length} vs ${b.length}`);
  let d = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) d++;
  return d;
}

/** Hamming-decayed reward per candidate position; identical earlier selections contribute nothing. */
export function hammingRewards(
  current: readonly boolean[],
  score: number,
  history: readonly ScoredSelection[],
  discount: number,
  shaping: RewardShaping,
): number[] {
  const rewards = new Array<number>(current.length).fill(0);
  for (const prev of history) {
    const distance = hammingDistance(current, prev.selection);
    if (distance === 0) continue;
    const weighted = shapeReward(score - prev.bestScore, shaping) * discount ** (distance - 1);
    for (let l = 0; l < current.length; l++) if (current[l] !== prev.selection[l]) rewards[l] += weighted;
  }
  return rewards;
}

/** The same reward at every position: shape(R_t − best score so far). */
export function vanillaRewards(size: number, score: number, bestSoFar: number, shaping: RewardShaping): number[] {
  return new Array<number>(size).fill(shapeReward(score - bestSoFar, shaping));
}

/**
 * The reward vector for episode t ≥ 1. `history` holds the distinct selections of episodes < t with their best
 * scores; `bestSoFar` is the best episode score before t (used by 'vanilla' only).
 */
export function positionRewards(
  current: readonly boolean[],
  score: number,
  history: readonly ScoredSelection[],
  bestSoFar: number,
  options: RewardOptions,
): number[] {
  const k = options.scale;
  return options.kind === 'vanilla'
    ? vanillaRewards(current.length, k * score, k * bestSoFar, options.shaping)
    : hammingRewards(current, k * score, history.map((h) => ({ selection: h.selection, bestScore: k * h.bestScore })), options.discount, options.shaping);
}
