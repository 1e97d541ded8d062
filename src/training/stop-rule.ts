// When a run of epochs stops: a fixed count, a learning rate annealed to a fraction of its start, or no dev gain.

/**
 * When one episode (or the single model of ALL / All+Weight) stops training. Every episode rebuilds the optimizer
 * and the plateau schedule; after each epoch the first rule that holds ends it:
 *  - `maxEpochs` epochs were trained;
 *  - `lrFraction`: the learning rate fell to `lrFraction` × its value at the episode's start or below (the official
 *    trainer stops under lr/1000);
 *  - `stallEpochs`: that many epochs in a row brought no better dev score within the episode (the official parsers
 *    stop after 25).
 * `patience` sets the plateau schedule of the episode (epochs without a gain before the rate halves); null keeps
 * the task model's own schedule (parsers decay per step and ignore it).
 */
export interface StopRule {
  maxEpochs: number;
  lrFraction: number | null;
  stallEpochs: number | null;
  patience: number | null;
}

/** Whether an episode that has trained `epochs` (dev scores in order) from `startLr` to `lr` ends here. */
export function episodeDone(r: StopRule, devScores: readonly number[], startLr: number, lr: number): boolean {
  const n = devScores.length;
  if (n >= r.maxEpochs) return true;
  if (r.lrFraction !== null && lr <= startLr * r.lrFraction * (1 + 1e-9)) return true;
  if (r.stallEpochs !== null) {
    let best = 0;
    for (let i = 1; i < n; i++) if (devScores[i] > devScores[best]) best = i;
    if (n - 1 - best >= r.stallEpochs) return true;
  }
  return false;
}
