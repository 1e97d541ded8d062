// Crash-safe run state (a search's, or ace train's): each epoch's task state and run state are staged in one folder,
// checksummed, then committed by a rename; the previous generation is kept to fall back to when the last is damaged.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { writeJsonAtomic } from './atomic-fs.js';
import { InputError } from './errors.js';
import { sha256 } from './hash.js';
import { readJsonFile } from './json-file.js';

/**
 * Layout under `<outDir>/state/`: gen-000042/{task/, search-state.json, manifest.json}, best-000040/ (checkpoints),
 * predictions/. ace train uses the same layout (its run state also sits in search-state.json, the file's first name).
 */
const GEN = /^gen-(\d{6,})$/;
const CHECKPOINT = /^best-\d{6,}$/;
const STATE_FILE = 'search-state.json';
const TASK_DIR = 'task';
/** Size and sha256 of every other file of the generation, written last before the rename. */
const MANIFEST_FILE = 'manifest.json';

export interface Generation<S> {
  generation: number;
  dir: string;
  taskDir: string;
  state: S;
}

export interface StateStoreOptions<S> {
  /** Checks a generation's parsed state and returns it typed; throws (an InputError naming file and field) if wrong. */
  parse?: (value: unknown, file: string) => S;
  /** Told when the newest generation is damaged and an older one is used instead (default: process.emitWarning). */
  warn?: (message: string) => void;
}

function genName(n: number): string {
  return `gen-${String(n).padStart(6, '0')}`;
}

type Manifest = Record<string, { bytes: number; sha256: string }>;

/** Every file under `dir` (relative paths, sorted), for the manifest. */
function filesUnder(dir: string, root = dir): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(path, root));
    else out.push(relative(root, path));
  }
  return out.sort();
}

function manifestOf(dir: string): Manifest {
  const m: Manifest = {};
  for (const f of filesUnder(dir)) {
    if (f === MANIFEST_FILE) continue;
    const bytes = readFileSync(join(dir, f));
    m[f] = { bytes: bytes.length, sha256: sha256(bytes) };
  }
  return m;
}

/** Checkpoint folder names (`best-…`) anywhere in a state object: those a kept generation still needs. */
function checkpointNames(value: unknown, into: Set<string>): Set<string> {
  if (typeof value === 'string') {
    if (CHECKPOINT.test(value)) into.add(value);
  } else if (Array.isArray(value)) {
    for (const v of value) checkpointNames(v, into);
  } else if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) checkpointNames(v, into);
  }
  return into;
}

export class StateStore<S> {
  readonly root: string;
  private readonly parse: (value: unknown, file: string) => S;
  private readonly warn: (message: string) => void;

  constructor(outDir: string, options: StateStoreOptions<S> = {}) {
    this.root = join(outDir, 'state');
    this.parse = options.parse ?? ((value) => value as S);
    this.warn = options.warn ?? ((message) => process.emitWarning(message, 'AceStateWarning'));
  }

  /** Committed generation numbers, newest first; staging folders left by a crash are ignored (and removed by `prune`). */
  private generations(): number[] {
    if (!existsSync(this.root)) return [];
    const found: number[] = [];
    for (const name of readdirSync(this.root)) {
      const m = GEN.exec(name);
      if (m) found.push(Number(m[1]));
    }
    return found.sort((a, b) => b - a);
  }

  /** Generation `n` read and checked against its manifest; throws an InputError saying what is wrong. */
  private read(n: number): Generation<S> {
    const dir = join(this.root, genName(n));
    const manifestPath = join(dir, MANIFEST_FILE);
    // Generations written before manifests existed are checked through their state file only.
    if (existsSync(manifestPath)) {
      const manifest = readJsonFile(manifestPath) as Manifest;
      for (const [file, want] of Object.entries(manifest)) {
        const path = join(dir, file);
        if (!existsSync(path)) throw new InputError(path, undefined, 'missing');
        const bytes = readFileSync(path);
        if (bytes.length !== want.bytes || sha256(bytes) !== want.sha256) {
          throw new InputError(path, undefined, `checksum mismatch (${bytes.length} bytes, ${want.bytes} committed): the file is damaged`);
        }
      }
    }
    const statePath = join(dir, STATE_FILE);
    const state = this.parse(readJsonFile(statePath), statePath);
    return { generation: n, dir, taskDir: join(dir, TASK_DIR), state };
  }

  /**
   * The newest intact committed generation. A damaged one (checksum mismatch, missing file, bad state file) is
   * skipped with a warning naming it; if every generation is damaged, the error names the newest and why.
   */
  latest(): Generation<S> | null {
    const gens = this.generations();
    let firstError: InputError | null = null;
    for (const n of gens) {
      try {
        const g = this.read(n);
        if (firstError !== null) this.warn(`${join(this.root, genName(gens[0]))} is damaged (${firstError.message}); resuming from the previous generation, ${genName(n)}`);
        return g;
      } catch (err) {
        if (!(err instanceof InputError)) throw err;
        firstError ??= err;
      }
    }
    if (firstError !== null) {
      throw new InputError(firstError.file, firstError.where, `${firstError.problem} (no earlier generation of the saved state is intact)`);
    }
    return null;
  }

  /** The name (under `root`) of a checkpoint folder written before generation `generation` commits. */
  checkpointName(generation: number): string {
    return `best-${String(generation).padStart(6, '0')}`;
  }

  /**
   * Stage generation `generation`: `saveTask(dir)` writes the task state, then the search state and the manifest are
   * written, then the folder is renamed into place. A kill before the rename leaves the previous generation as the latest.
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
    writeJsonAtomic(join(staging, MANIFEST_FILE), manifestOf(staging));
    onStage('state-written');
    const dir = join(this.root, genName(generation));
    rmSync(dir, { recursive: true, force: true });
    renameSync(staging, dir);
    return dir;
  }

  /**
   * Keep generation `generation` and the one before it (the fallback should it be damaged); remove the others,
   * staging folders, and checkpoint folders other than `keepCheckpoint` (a name) and those the kept generations name.
   */
  prune(generation: number, keepCheckpoint: string | null): void {
    if (!existsSync(this.root)) return;
    const previous = this.generations().find((n) => n < generation);
    const keep = new Set([genName(generation), ...(previous !== undefined ? [genName(previous)] : [])]);
    const checkpoints = new Set(keepCheckpoint !== null ? [keepCheckpoint] : []);
    for (const g of keep) {
      try {
        checkpointNames(JSON.parse(readFileSync(join(this.root, g, STATE_FILE), 'utf8')), checkpoints);
      } catch {
        // A damaged generation names nothing worth keeping.
      }
    }
    for (const name of readdirSync(this.root)) {
      const path = join(this.root, name);
      const stale = (name.startsWith('gen-') && !keep.has(name)) || (name.startsWith('best-') && !checkpoints.has(name));
      if (stale && statSync(path).isDirectory()) rmSync(path, { recursive: true, force: true });
    }
  }
}
