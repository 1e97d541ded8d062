// A deterministic stand-in task for search tests: dev score is a function of the selection and of trainable state.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EpisodeSettings, EpochResult, Evaluation, SearchableTask, Split } from '../../src/tasks/task.js';
import { writeJsonAtomic } from '../../src/util/atomic-fs.js';
import { Rng, type RngState } from '../../src/util/rng.js';

/** How much each candidate helps (negative: it hurts); the search should learn to drop 'noise'. */
export const QUALITY = [4, -3, 2, 1];
export const CANDIDATES = ['glove', 'noise', 'char', 'flair'];
const GOLD = [0, 1, 2, 0, 1, 2, 0, 1, 2];

interface InnerState {
  skill: number[];
  blockWeight: number[];
  step: number;
  lr: number;
  rng: RngState;
  settings: EpisodeSettings | null;
}

export interface SyntheticOptions {
  seed?: number;
  /** Milliseconds to wait in each epoch (the kill -9 test needs time to strike). */
  delayMs?: number;
}

export class SyntheticTask implements SearchableTask {
  readonly taskName = 'synthetic';
  readonly metricName = 'F1';
  readonly lrSchedule = 'plateau';
  readonly candidateNames = CANDIDATES;
  beginEpisodeCalls: EpisodeSettings[] = [];
  private s: InnerState;

  constructor(private readonly options: SyntheticOptions = {}) {
    this.s = {
      skill: CANDIDATES.map(() => 0),
      blockWeight: CANDIDATES.map(() => 0),
      step: 0,
      lr: 0,
      rng: new Rng(options.seed ?? 7).getState(),
      settings: null,
    };
  }

  get learningRate(): number {
    return this.s.lr;
  }

  beginEpisode(settings: EpisodeSettings): void {
    this.beginEpisodeCalls.push(settings);
    this.s.settings = { selection: [...settings.selection], blockWeighting: settings.blockWeighting };
    this.s.lr = 0.5; // the "optimizer and schedule" are rebuilt
  }

  private score(offset: number): number {
    const sel = this.s.settings?.selection ?? CANDIDATES.map(() => true);
    let v = 50 + offset;
    for (let l = 0; l < CANDIDATES.length; l++) {
      if (!sel[l]) continue;
      const w = this.s.settings?.blockWeighting === 'learned-sigmoid' ? 1 / (1 + Math.exp(-this.s.blockWeight[l])) : 1;
      v += QUALITY[l] * this.s.skill[l] * w;
    }
    return v;
  }

  async trainEpoch(): Promise<EpochResult> {
    if (!this.s.settings) throw new Error('trainEpoch before beginEpisode');
    if (this.options.delayMs) await new Promise((r) => setTimeout(r, this.options.delayMs));
    const rng = new Rng(this.s.rng);
    const sel = this.s.settings.selection;
    for (let l = 0; l < CANDIDATES.length; l++) {
      const noise = 0.05 * rng.normal();
      if (sel[l]) this.s.skill[l] += this.s.lr * (1 - this.s.skill[l]) + noise;
      if (this.s.settings.blockWeighting === 'learned-sigmoid') this.s.blockWeight[l] += 0.3 * Math.sign(QUALITY[l]);
    }
    this.s.rng = rng.getState();
    this.s.step++;
    this.s.lr *= 0.7;
    return { epoch: this.s.step, trainLoss: 10 / this.s.step, devScore: this.score(0), tokensPerSecond: 1000, seconds: 0.01, learningRate: this.s.lr };
  }

  async evaluate(split: Split): Promise<Evaluation> {
    const score = this.score(split === 'test' ? -1.5 : split === 'train' ? 3 : 0);
    return { score, details: { step: this.s.step } };
  }

  async saveState(dir: string): Promise<void> {
    writeJsonAtomic(join(dir, 'inner.json'), this.s);
  }

  async loadState(dir: string): Promise<void> {
    this.s = JSON.parse(readFileSync(join(dir, 'inner.json'), 'utf8')) as InnerState;
  }

  async saveCheckpoint(dir: string): Promise<void> {
    writeJsonAtomic(join(dir, 'checkpoint.json'), { skill: this.s.skill, blockWeight: this.s.blockWeight, settings: this.s.settings });
  }

  async loadCheckpoint(dir: string): Promise<void> {
    const c = JSON.parse(readFileSync(join(dir, 'checkpoint.json'), 'utf8')) as Pick<InnerState, 'skill' | 'blockWeight' | 'settings'>;
    this.s = { ...this.s, skill: c.skill, blockWeight: c.blockWeight, settings: c.settings };
  }

  /** Labels 0..2 per "token": the gold label when the model is good enough at that position, else a fixed wrong one. */
  async predict(split: Split): Promise<number[]> {
    const s = this.score(split === 'test' ? -1.5 : 0);
    return GOLD.map((g, i) => ((s * 7 + i * 13) % 10 < 6 ? g : (g + 1) % 3));
  }

  async scoreVote(predictions: readonly unknown[], _split: Split): Promise<Evaluation> {
    const preds = predictions as number[][];
    let correct = 0;
    GOLD.forEach((g, i) => {
      const counts = [0, 0, 0];
      for (const p of preds) counts[p[i]]++;
      const vote = counts.indexOf(Math.max(...counts));
      if (vote === g) correct++;
    });
    return { score: (100 * correct) / GOLD.length, details: {} };
  }
}
