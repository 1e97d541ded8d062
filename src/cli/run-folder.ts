// The output folder of `ace train` and `ace search`: its saved command (checked, and of the right command), and the
// clean-up of a new folder when the run fails before its first epoch is committed.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ensureDir } from '../util/ensure-dir.js';
import { UsageError } from '../util/errors.js';
import { checkFields, readJsonFile } from '../util/json-file.js';

export type RunKind = 'train' | 'search';

/** The file both commands keep their command in. */
export const RUN_COMMAND_FILE = 'command.json';

/** Which command wrote a saved command: `ace train` marks it, a search's is recognised by its request and strategy. */
function kindOf(value: unknown): RunKind | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  if (v.command === 'train') return 'train';
  if ('request' in v && 'strategy' in v) return 'search';
  return null;
}

const FIELDS: Record<RunKind, Parameters<typeof checkFields>[1]> = {
  train: { command: 'string', flags: 'object', 'flags.task': 'string', 'flags.data': 'string', 'flags.embeddings': 'string', 'flags.seed': 'string', epochs: 'string', candidateConfig: 'array' },
  search: {
    request: 'object', 'request.task': 'string', 'request.data': 'string', 'request.candidates': 'string[]', 'request.seed': 'number',
    'request.candidateConfig': 'array?', 'request.limit': 'number?', 'request.hidden': 'number?', 'request.dev': 'string?', 'request.test': 'string?',
    strategy: 'string', episodes: 'number', epochsPerEpisode: 'number', reward: 'string', rewardShaping: 'string', discount: 'number',
    regime: 'string?', regimeOverrides: 'object?', rewardScale: 'number?', evaluateTest: 'boolean', retrain: 'boolean', retrainEpochs: 'number?',
  },
};

/**
 * The saved command of the run in `dir`, for `ace <kind> --resume dir`: a folder of the other command, or a damaged
 * file, is a UsageError/InputError naming the folder or the file (and the field).
 */
export function readSavedCommand(dir: string, kind: RunKind): unknown {
  const path = join(resolve(dir), RUN_COMMAND_FILE);
  if (!existsSync(path)) {
    throw new UsageError(`${dir} holds no ${kind === 'train' ? 'training run' : 'search'} to resume (no ${RUN_COMMAND_FILE})`);
  }
  const value = readJsonFile(path);
  const found = kindOf(value);
  if (found !== null && found !== kind) {
    throw new UsageError(`${dir} holds an \`ace ${found}\` run, not an \`ace ${kind}\` one; continue it with \`ace ${found} --resume ${dir}\``);
  }
  if (found === null) checkFields(value, kind === 'train' ? { command: 'string' } : { request: 'object', strategy: 'string' }, path);
  checkFields(value, FIELDS[kind], path);
  return value;
}

/**
 * A new run's output folder, claimed before anything is written: created if missing (failing fast on a path that
 * cannot be a folder). If the run then fails before its first epoch is committed (`state/gen-*`), `discardIfUnused`
 * removes what the run put there (the folder itself when the run created it), so the same command can be run again.
 */
export class NewRunFolder {
  private constructor(
    readonly dir: string,
    private readonly created: string[],
    private readonly before: ReadonlySet<string>,
  ) {}

  static claim(dir: string, label = '--out'): NewRunFolder {
    const abs = resolve(dir);
    const created = ensureDir(abs, label);
    return new NewRunFolder(abs, created, new Set(created.length > 0 ? [] : readdirSync(abs)));
  }

  /** Whether an epoch's state was committed (the run can then be resumed, so nothing is removed). */
  hasCommittedEpoch(): boolean {
    const state = join(this.dir, 'state');
    return existsSync(state) && readdirSync(state).some((n) => /^gen-\d+$/.test(n));
  }

  /** After a failure: remove what this run wrote, unless an epoch was committed. Returns whether anything was removed. */
  discardIfUnused(): boolean {
    if (!existsSync(this.dir) || this.hasCommittedEpoch()) return false;
    if (this.created.length > 0) {
      rmSync(this.created[0], { recursive: true, force: true });
      return true;
    }
    const added = readdirSync(this.dir).filter((n) => !this.before.has(n));
    for (const n of added) rmSync(join(this.dir, n), { recursive: true, force: true });
    return added.length > 0;
  }
}
