// Small checks of what a user hands the CLI: a file to read, a flag value from a fixed list.
import { UsageError } from '../util/errors.js';

export { readUserText } from '../util/user-file.js';

/** A commander argument parser that accepts one of `values`. */
export function oneOf<T extends string>(name: string, values: readonly T[]): (v: string) => T {
  return (v) => {
    if (!(values as readonly string[]).includes(v)) throw new UsageError(`${name} must be one of ${values.join(', ')}, got '${v}'`);
    return v as T;
  };
}
