// The ACE controller (Wang et al. 2021): independent Bernoulli(σ(θ_l)) per candidate, trained by REINFORCE with SGD+momentum.
import type { Rng } from '../util/rng.js';

export interface ControllerOptions {
  learningRate: number;
  momentum: number;
  /** Draws tried before giving up on "non-empty and different from the previous selection" (a near-deterministic policy). */
  maxRedraws: number;
}

export const DEFAULT_CONTROLLER_OPTIONS: Readonly<ControllerOptions> = Object.freeze({
  learningRate: 0.1,
  momentum: 0.9,
  maxRedraws: 10_000,
});

export interface ControllerState {
  theta: number[];
  /** The SGD momentum buffer v (PyTorch convention: v ← μ·v + g, θ ← θ − lr·v). */
  velocity: number[];
}

export function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

/** log P(a) = Σ_l log σ(θ_l) if a_l else log(1 − σ(θ_l)), computed stably. */
export function logProbability(theta: readonly number[], selection: readonly boolean[]): number {
  let sum = 0;
  for (let l = 0; l < theta.length; l++) {
    const z = selection[l] ? theta[l] : -theta[l];
    // log σ(z) = −log(1 + e^{−z})
    sum += z >= 0 ? -Math.log1p(Math.exp(-z)) : z - Math.log1p(Math.exp(z));
  }
  return sum;
}

/** ∂/∂θ of the REINFORCE loss −Σ_l log P(a^l)·r^l, i.e. −(a^l − σ(θ_l))·r^l. */
export function policyGradient(theta: readonly number[], selection: readonly boolean[], rewards: readonly number[]): number[] {
  return theta.map((t, l) => -((selection[l] ? 1 : 0) - sigmoid(t)) * rewards[l]);
}

export class Controller {
  private theta: number[];
  private velocity: number[];

  constructor(
    readonly size: number,
    private readonly options: ControllerOptions = DEFAULT_CONTROLLER_OPTIONS,
    state?: ControllerState,
  ) {
    if (!(size >= 1)) throw new RangeError(`a controller needs at least one candidate, got ${size}`);
    this.theta = state ? [...state.theta] : new Array<number>(size).fill(0);
    this.velocity = state ? [...state.velocity] : new Array<number>(size).fill(0);
    if (this.theta.length !== size || this.velocity.length !== size) throw new RangeError('controller state has the wrong size');
  }

  probabilities(): number[] {
    return this.theta.map(sigmoid);
  }

  /**
   * Draw a_t ~ Π_l Bernoulli(σ(θ_l)), redrawn while it is empty or equal to `previous` (as the official code does).
   * With one candidate, or after `maxRedraws` failed draws, the last non-empty draw (or all-ones) is accepted.
   */
  sample(rng: Rng, previous: readonly boolean[] | null): boolean[] {
    const p = this.probabilities();
    let fallback: boolean[] | null = null;
    for (let attempt = 0; attempt < this.options.maxRedraws; attempt++) {
      const a = p.map((pl) => rng.float() < pl);
      if (!a.some(Boolean)) continue;
      fallback = a;
      if (previous === null || a.some((v, l) => v !== previous[l])) return a;
      if (this.size === 1) return a;
    }
    return fallback ?? new Array<boolean>(this.size).fill(true);
  }

  /**
   * K distinct selections for one parallel step: the first is `sample(rng, previous)` (the sequential draw), each
   * later one is redrawn while it is empty, equal to `previous` or equal to an earlier one of the same step. Fewer
   * than K come back when fewer distinct non-empty selections exist, or when `maxRedraws` draws find no new one.
   */
  sampleDistinct(rng: Rng, previous: readonly boolean[] | null, k: number): boolean[][] {
    if (!(Number.isInteger(k) && k >= 1)) throw new RangeError(`sampleDistinct needs k ≥ 1, got ${k}`);
    const key = (a: readonly boolean[]): string => a.map((v) => (v ? '1' : '0')).join('');
    const previousKey = previous !== null && previous.some(Boolean) ? key(previous) : null;
    // Non-empty selections other than the previous one: an upper bound on how many distinct branches can exist.
    const available = this.size >= 31 ? Infinity : 2 ** this.size - 1 - (previousKey !== null ? 1 : 0);
    const out = [this.sample(rng, previous)];
    const seen = new Set([key(out[0]), ...(previousKey !== null ? [previousKey] : [])]);
    const p = this.probabilities();
    const want = Math.min(k, Math.max(1, available));
    while (out.length < want) {
      let found: boolean[] | null = null;
      for (let attempt = 0; attempt < this.options.maxRedraws && found === null; attempt++) {
        const a = p.map((pl) => rng.float() < pl);
        if (a.some(Boolean) && !seen.has(key(a))) found = a;
      }
      if (found === null) break;
      seen.add(key(found));
      out.push(found);
    }
    return out;
  }

  /** One SGD-with-momentum step on −Σ_l log P(a^l)·r^l. */
  update(selection: readonly boolean[], rewards: readonly number[]): void {
    this.step(policyGradient(this.theta, selection, rewards));
  }

  /**
   * Batched REINFORCE (`ace search --parallel K`): one SGD-with-momentum step on the sum over the K branches of
   * −Σ_l log P(a_k^l)·r_k^l, every gradient taken at the same θ. With one branch it is `update`.
   */
  updateBatch(selections: readonly (readonly boolean[])[], rewards: readonly (readonly number[])[]): void {
    if (selections.length !== rewards.length || selections.length === 0) throw new RangeError('updateBatch needs one reward vector per selection, and at least one');
    const sum = new Array<number>(this.size).fill(0);
    for (let k = 0; k < selections.length; k++) {
      const g = policyGradient(this.theta, selections[k], rewards[k]);
      for (let l = 0; l < this.size; l++) sum[l] += g[l];
    }
    this.step(sum);
  }

  private step(g: readonly number[]): void {
    const { learningRate, momentum } = this.options;
    for (let l = 0; l < this.size; l++) {
      this.velocity[l] = momentum * this.velocity[l] + g[l];
      this.theta[l] -= learningRate * this.velocity[l];
    }
  }

  getState(): ControllerState {
    return { theta: [...this.theta], velocity: [...this.velocity] };
  }
}
