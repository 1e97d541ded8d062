// Numbers given as command-line flag values, checked with one message per kind ("--NAME needs …, got 'V'").
import { UsageError } from './errors.js';

export function positiveNumber(name: string, v: string): number {
  const n = Number(v);
  if (!(n > 0)) throw new UsageError(`--${name} needs a positive number, got '${v}'`);
  return n;
}

export function positiveInteger(name: string, v: string): number {
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new UsageError(`--${name} needs a positive integer, got '${v}'`);
  return Number(v);
}

export function integer(name: string, v: string): number {
  if (!/^-?\d+$/.test(v)) throw new UsageError(`--${name} needs an integer, got '${v}'`);
  return Number(v);
}

/** The same check for a flag that may be absent (undefined stays undefined). */
export function optional<T>(check: (name: string, v: string) => T): (name: string, v: string | undefined) => T | undefined {
  return (name, v) => (v === undefined ? undefined : check(name, v));
}
