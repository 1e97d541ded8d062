// Parameter initialisers, all drawing from an Rng passed in (no global randomness).
import type { Rng } from '../util/rng.js';

/** How to fill a weight: Xavier/Glorot uniform, uniform ±bound, normal(0, std), or zeros. */
export type Init =
  | { kind: 'xavier-uniform' }
  | { kind: 'uniform'; bound: number }
  | { kind: 'normal'; std: number }
  | { kind: 'zeros' };

export function fillUniform(rng: Rng, out: Float32Array, bound: number): void {
  for (let i = 0; i < out.length; i++) out[i] = (rng.float() * 2 - 1) * bound;
}

export function fillNormal(rng: Rng, out: Float32Array, std: number): void {
  for (let i = 0; i < out.length; i++) out[i] = rng.normal() * std;
}

/** Fill a weight of `fanOut` rows by `fanIn` columns (the fans matter only for Xavier: bound = √(6/(fanIn+fanOut))). */
export function initWeight(rng: Rng, out: Float32Array, init: Init, fanIn: number, fanOut: number): void {
  switch (init.kind) {
    case 'xavier-uniform':
      fillUniform(rng, out, Math.sqrt(6 / (fanIn + fanOut)));
      return;
    case 'uniform':
      fillUniform(rng, out, init.bound);
      return;
    case 'normal':
      fillNormal(rng, out, init.std);
      return;
    case 'zeros':
      out.fill(0);
      return;
  }
}
