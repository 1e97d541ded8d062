// Reading a file a user named: a failure becomes an InputError naming the file.
import { readFileSync } from 'node:fs';
import { InputError } from './errors.js';

export function readUserText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new InputError(file, undefined, `cannot read: ${(err as Error).message}`);
  }
}
