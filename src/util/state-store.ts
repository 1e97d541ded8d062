// Crash-safe run state (a search's, or ace train's): each epoch's task state and run state are staged in one folder,
// then committed by a rename.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeJsonAtomic } from './atomic-fs.js';

/**
 * Layout under `<outDir>/state/`: gen-000042/{task/, search-state.json}, best-000040/ (checkpoints), predictions/.
 * ace train uses the same layout (its run state also sits in search-state.json, the file's first name).
 */
const GEN = /^gen-(\d{6,})$/;
const STATE_FILE = 'search-state.json';
const TASK_DIR = 'task';

export interface Generation<S> {
  generation: number;
  dir: string;
  taskDir: string;
  state: S;
}

function genName(n: number): string {
  return `gen-${String(n).padStart(6, '0')}`;
}

export class StateStore<S> {
  readonly root: string;

  constructor(outDir: string) {
    this.root = join(outDir, 'state');
  }

  /** The newest committed generation; staging folders left by a crash are ignored (and removed by `prune`). */
  latest(): Generation<S> | null {
    if (!existsSync(this.root)) return null;
    let best = -1;
    for (const name of readdirSync(this.root)) {
      const m = GEN.exec(name);
      if (m) best = Math.max(best, Number(m[1]));
    }
    if (best < 0) return null;
    const dir = join(this.root, genName(best));
    const state = JSON.parse(readFileSync(join(dir, STATE_FILE), 'utf8')) as S;
    return { generation: best, dir, taskDir: join(dir, TASK_DIR), state };
  }

  /** The name (under `root`) of a checkpoint folder written before generation `generation` commits. */
  checkpointName(generation: number): string {
    return `best-${String(generation).padStart(6, '0')}`;
  }

  /**
   * Stage generation `generation`: `saveTask(dir)` writes the task state, then the search state is written, then the
   * folder is renamed into place. A kill before the rename leaves the previous generation as the latest.
   */
  async commit(
    generation: number,
    state: S,
    saveTask: (taskDir: string) => Promise<void>,
    onStage: (stage: 'task-saved' | 'state-written') => void = () => {},
  ): Promise<string> {
    const staging = join(this.root, `${genName(generation)}.partial`);
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(join(staging, TASK_DIR), { recursive: true });
    await saveTask(join(staging, TASK_DIR));
    onStage('task-saved');
    writeJsonAtomic(join(staging, STATE_FILE), state);
    onStage('state-written');
    const dir = join(this.root, genName(generation));
    rmSync(dir, { recursive: true, force: true });
    renameSync(staging, dir);
    return dir;
  }

  /** Remove older generations, staging folders and checkpoint folders other than `keepCheckpoint` (a name). */
  prune(generation: number, keepCheckpoint: string | null): void {
    if (!existsSync(this.root)) return;
    const keep = genName(generation);
    for (const name of readdirSync(this.root)) {
      const stale = (name.startsWith('gen-') && name !== keep) || (name.startsWith('best-') && name !== keepCheckpoint);
      if (stale) rmSync(join(this.root, name), { recursive: true, force: true });
    }
  }
}
