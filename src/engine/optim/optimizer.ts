// The optimizer contract and its serialisable state (JSON meta + named float32 tensors).
import type { Param } from '../param.js';

/** A float32 tensor with a name and shape, as stored in parameter files. */
export interface NamedTensor {
  name: string;
  shape: readonly number[];
  data: Float32Array;
}

/** Everything needed to resume an optimizer exactly: JSON-able meta plus moment tensors named `<param>.<slot>`. */
export interface OptimizerState {
  kind: string;
  lr: number;
  /** Per-parameter step counts. */
  steps: Record<string, number>;
  tensors: NamedTensor[];
}

export interface Optimizer {
  /** Current learning rate; schedulers set it. */
  lr: number;
  readonly params: readonly Param[];
  /**
   * Apply one update from the accumulated gradients. `only` restricts it to some of the parameters (e.g. the
   * selected blocks' weights), whose moments and step counts alone advance. Row-sparse parameters update only
   * their touched rows (lazy moments, as SparseAdam).
   */
  step(only?: readonly Param[]): void;
  zeroGrad(): void;
  getState(): OptimizerState;
  /** Restore a state from getState; throws naming the slot when a tensor is missing or has the wrong size. */
  setState(state: OptimizerState): void;
}

/** Shared bookkeeping: per-parameter slots (moment buffers) and step counts, with their (de)serialisation. */
export abstract class SlotOptimizer implements Optimizer {
  abstract lr: number;
  protected readonly slots = new Map<Param, Float32Array[]>();
  protected readonly steps = new Map<Param, number>();

  constructor(readonly params: readonly Param[], protected readonly kind: string, protected readonly slotNames: readonly string[]) {
    for (const p of params) {
      this.slots.set(p, slotNames.map(() => new Float32Array(p.size)));
      this.steps.set(p, 0);
    }
  }

  abstract step(only?: readonly Param[]): void;

  zeroGrad(): void {
    for (const p of this.params) p.zeroGrad();
  }

  protected slotsOf(p: Param): Float32Array[] {
    const s = this.slots.get(p);
    if (!s) throw new Error(`optimizer: parameter ${p.name} was not registered`);
    return s;
  }

  getState(): OptimizerState {
    const tensors: NamedTensor[] = [];
    const steps: Record<string, number> = {};
    for (const p of this.params) {
      steps[p.name] = this.steps.get(p)!;
      this.slotsOf(p).forEach((data, i) => tensors.push({ name: `${p.name}.${this.slotNames[i]}`, shape: p.shape, data: Float32Array.from(data) }));
    }
    return { kind: this.kind, lr: this.lr, steps, tensors };
  }

  setState(state: OptimizerState): void {
    if (state.kind !== this.kind) throw new Error(`optimizer state is for ${state.kind}, not ${this.kind}`);
    const byName = new Map(state.tensors.map((t) => [t.name, t]));
    for (const p of this.params) {
      const n = state.steps[p.name];
      if (typeof n !== 'number') throw new Error(`optimizer state: no step count for ${p.name}`);
      this.steps.set(p, n);
      this.slotsOf(p).forEach((buf, i) => {
        const name = `${p.name}.${this.slotNames[i]}`;
        const t = byName.get(name);
        if (!t || t.data.length !== buf.length) throw new Error(`optimizer state: tensor ${name} missing or of the wrong size`);
        buf.set(t.data);
      });
    }
    this.lr = state.lr;
  }
}
