// Errors about bad input that name the file, the line (or sentence id) and the problem.

export class InputError extends Error {
  constructor(
    readonly file: string,
    readonly where: number | string | undefined,
    readonly problem: string,
  ) {
    super(where === undefined ? `${file}: ${problem}` : typeof where === 'number' ? `${file}:${where}: ${problem}` : `${file} (${where}): ${problem}`);
    this.name = 'InputError';
  }
}

/** An error in how the program was called or configured (bad option, missing model, incompatible bundle). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
