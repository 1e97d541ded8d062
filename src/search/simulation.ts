// A simulated task for checking the controller without training: the dev score is a fixed, seeded function of the selection.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EpisodeSettings, EpochResult, Evaluation, SearchableTask, Split } from '../tasks/task.js';
import { writeJsonAtomic } from '../util/atomic-fs.js';
import { Rng, type RngState } from '../util/rng.js';

/**
 * What each candidate adds to the score (points), a pair whose combination costs points (two views of the same
 * signal, as two layers of one encoder), the base score and the noise of a dev reading.
 */
export interface SimulatedLandscape {
  candidates: readonly string[];
  utilities: readonly number[];
  interaction: { pair: readonly [number, number]; points: number } | null;
  base: number;
  /** Each dev reading adds uniform noise in [−noise, noise]. */
  noise: number;
}

/** Eight candidates: four help, one is neutral, three hurt; the two best overlap (together they lose 2.5). */
export const DEFAULT_LANDSCAPE: Readonly<SimulatedLandscape> = Object.freeze({
  candidates: Object.freeze(['a+3', 'b+2', 'c+1', 'd+0.5', 'e0', 'f-0.5', 'g-1', 'h-2']),
  utilities: Object.freeze([3, 2, 1, 0.5, 0, -0.5, -1, -2]),
  interaction: Object.freeze({ pair: Object.freeze([0, 1] as const), points: -2.5 }),
  base: 85,
  noise: 0.3,
});

/** The noiseless score of a selection. */
export function trueScore(landscape: SimulatedLandscape, selection: readonly boolean[]): number {
  let v = landscape.base;
  for (let l = 0; l < selection.length; l++) if (selection[l]) v += landscape.utilities[l];
  const ia = landscape.interaction;
  if (ia && selection[ia.pair[0]] && selection[ia.pair[1]]) v += ia.points;
  return v;
}

/** The best non-empty selection by enumeration (2^L subsets). */
export function bestSelection(landscape: SimulatedLandscape): { selection: boolean[]; score: number } {
  const L = landscape.candidates.length;
  let best: { selection: boolean[]; score: number } | null = null;
  for (let mask = 1; mask < 1 << L; mask++) {
    const selection = Array.from({ length: L }, (_, l) => ((mask >> l) & 1) === 1);
    const score = trueScore(landscape, selection);
    if (best === null || score > best.score) best = { selection, score };
  }
  return best!;
}

interface SimulatedState {
  rng: RngState;
  settings: EpisodeSettings;
  lr: number;
  epoch: number;
}

/**
 * A SearchableTask with nothing to train: every epoch reads the selection's true score plus seeded noise. Its
 * learning rate halves after every epoch of an episode, so the converged regimes end its episodes too. State and
 * checkpoints are small JSON files, so it runs through the real search loop, resume included.
 */
export class SimulatedTask implements SearchableTask {
  readonly taskName = 'simulated';
  readonly metricName = 'score';
  readonly lrSchedule = 'plateau';
  readonly candidateNames: readonly string[];
  private s: SimulatedState;

  constructor(
    readonly landscape: SimulatedLandscape = DEFAULT_LANDSCAPE,
    seed = 1,
  ) {
    this.candidateNames = landscape.candidates;
    this.s = { rng: new Rng(seed).split('simulated').getState(), settings: { selection: landscape.candidates.map(() => true), blockWeighting: 'none' }, lr: 0.1, epoch: 0 };
  }

  get learningRate(): number {
    return this.s.lr;
  }

  beginEpisode(settings: EpisodeSettings): void {
    this.s = { ...this.s, settings: { ...settings, selection: [...settings.selection] }, lr: 0.1 };
  }

  async trainEpoch(): Promise<EpochResult> {
    const rng = new Rng(this.s.rng);
    const dev = trueScore(this.landscape, this.s.settings.selection) + this.landscape.noise * (2 * rng.float() - 1);
    this.s = { ...this.s, rng: rng.getState(), lr: this.s.lr / 2, epoch: this.s.epoch + 1 };
    return { epoch: this.s.epoch, trainLoss: 0, devScore: dev, tokensPerSecond: 0, seconds: 0, learningRate: this.s.lr };
  }

  /** Dev and test are the noiseless score (test one point lower). */
  async evaluate(split: Split): Promise<Evaluation> {
    return { score: trueScore(this.landscape, this.s.settings.selection) - (split === 'test' ? 1 : 0), details: {} };
  }

  async saveState(dir: string): Promise<void> {
    writeJsonAtomic(join(dir, 'simulated.json'), this.s);
  }

  async loadState(dir: string): Promise<void> {
    this.s = JSON.parse(readFileSync(join(dir, 'simulated.json'), 'utf8')) as SimulatedState;
  }

  async saveCheckpoint(dir: string): Promise<void> {
    writeJsonAtomic(join(dir, 'selection.json'), this.s.settings.selection);
  }

  async loadCheckpoint(dir: string): Promise<void> {
    const selection = JSON.parse(readFileSync(join(dir, 'selection.json'), 'utf8')) as boolean[];
    this.s = { ...this.s, settings: { ...this.s.settings, selection } };
  }

  async predict(): Promise<unknown> {
    return [...this.s.settings.selection];
  }

  async scoreVote(predictions: readonly unknown[]): Promise<Evaluation> {
    // A vote per candidate over the members' selections: the score of the majority selection.
    const sels = predictions as boolean[][];
    const vote = this.candidateNames.map((_, l) => 2 * sels.filter((s) => s[l]).length > sels.length);
    return { score: trueScore(this.landscape, vote), details: {} };
  }
}
