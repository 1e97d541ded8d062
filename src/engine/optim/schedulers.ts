// Learning-rate schedules acting on an optimizer's lr: reduce on plateau (annealing as flair) and exponential decay.

/** Anything with a learning rate to schedule (every Optimizer). */
export interface HasLearningRate {
  lr: number;
}

export interface ReduceLrOnPlateauOptions {
  /** 'max' (default): higher metric is better (F1, LAS); 'min' for losses. */
  mode?: 'max' | 'min';
  /** lr ← max(lr·factor, minLr); default 0.5. */
  factor?: number;
  /** Epochs without improvement tolerated before reducing; default 3. */
  patience?: number;
  /** Default 1e-4. */
  minLr?: number;
  /** Relative improvement needed to count as better; default 1e-4 (PyTorch 'rel' mode). */
  threshold?: number;
}

export interface ReduceLrOnPlateauState {
  lr: number;
  best: number | null;
  badEpochs: number;
}

const PLATEAU_DEFAULTS = { mode: 'max' as const, factor: 0.5, patience: 3, minLr: 1e-4, threshold: 1e-4 };

/** As torch.optim.lr_scheduler.ReduceLROnPlateau (no cooldown): call `step(metric)` once per epoch. */
export class ReduceLrOnPlateau {
  readonly mode: 'max' | 'min';
  readonly factor: number;
  readonly patience: number;
  readonly minLr: number;
  readonly threshold: number;
  private best: number | null = null;
  private badEpochs = 0;

  constructor(private readonly target: HasLearningRate, options: ReduceLrOnPlateauOptions = {}) {
    this.mode = options.mode ?? PLATEAU_DEFAULTS.mode;
    this.factor = options.factor ?? PLATEAU_DEFAULTS.factor;
    this.patience = options.patience ?? PLATEAU_DEFAULTS.patience;
    this.minLr = options.minLr ?? PLATEAU_DEFAULTS.minLr;
    this.threshold = options.threshold ?? PLATEAU_DEFAULTS.threshold;
    if (!(this.factor > 0 && this.factor < 1)) throw new RangeError(`plateau factor must be in (0, 1), got ${this.factor}`);
  }

  /** Record an epoch's metric; returns true when the learning rate was reduced. */
  step(metric: number): boolean {
    if (this.isBetter(metric)) {
      this.best = metric;
      this.badEpochs = 0;
      return false;
    }
    this.badEpochs++;
    if (this.badEpochs <= this.patience) return false;
    this.badEpochs = 0;
    const next = Math.max(this.target.lr * this.factor, this.minLr);
    if (this.target.lr - next <= 1e-12) return false;
    this.target.lr = next;
    return true;
  }

  /** True once the learning rate sits at its floor (a common stopping rule). */
  get atMinimum(): boolean {
    return this.target.lr <= this.minLr + 1e-12;
  }

  getState(): ReduceLrOnPlateauState {
    return { lr: this.target.lr, best: this.best, badEpochs: this.badEpochs };
  }

  setState(state: ReduceLrOnPlateauState): void {
    this.target.lr = state.lr;
    this.best = state.best;
    this.badEpochs = state.badEpochs;
  }

  private isBetter(metric: number): boolean {
    if (this.best === null) return true;
    const rel = this.threshold * Math.abs(this.best);
    return this.mode === 'max' ? metric > this.best + rel : metric < this.best - rel;
  }
}

export interface ExponentialLrState {
  lr: number;
  epoch: number;
}

/** lr ← lr·γ at every `step()` (once per epoch). */
export class ExponentialLr {
  private epoch = 0;

  constructor(private readonly target: HasLearningRate, readonly gamma: number) {
    if (!(gamma > 0)) throw new RangeError(`gamma must be positive, got ${gamma}`);
  }

  step(): void {
    this.epoch++;
    this.target.lr *= this.gamma;
  }

  getState(): ExponentialLrState {
    return { lr: this.target.lr, epoch: this.epoch };
  }

  setState(state: ExponentialLrState): void {
    this.target.lr = state.lr;
    this.epoch = state.epoch;
  }
}
