// Keeps the arrows between the folders of src/ one-way: the import graph, built with the TypeScript compiler, against one frozen table.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';
import { repoRoot } from '../helpers/data-home.js';

/*
 * A unit is a folder of src/ (`engine`, `formats`, ...), a family folder of src/tasks (`tasks/tagger`, ...), or one of
 * the two files at the top of src/tasks, which sit on different floors: task.ts is the interface below every family
 * (and the only part of tasks the search sees), registry.ts the table above them. src/index.ts is the public entry.
 *
 * The table is DESIGN.md's picture read against the code: each unit lists the units it may import. It is acyclic (a
 * test below checks), so obeying it leaves no cycle between units. A new folder, or an arrow the table lacks, fails
 * here until someone decides where it sits and writes it down.
 */
const TASK_FLOORS = ['formats', 'embeddings', 'engine', 'structs', 'metrics', 'datasets', 'util'] as const;
const LIBRARY = [
  'util', 'formats', 'datasets', 'embeddings', 'engine', 'structs', 'metrics',
  'tasks/task.ts', 'tasks/shared', 'tasks/tagger', 'tasks/dependency', 'tasks/graph', 'tasks/registry.ts',
  'training', 'search', 'report', 'experiment',
] as const;

export const ALLOWED_IMPORTS: Readonly<Record<string, readonly string[]>> = Object.freeze({
  util: [],
  formats: ['util'],
  datasets: ['formats', 'util'],
  // Trainable candidates own their layers and backward passes (they build on the engine, which knows no NLP).
  embeddings: ['formats', 'engine', 'util'],
  engine: ['util'],
  structs: ['util'],
  metrics: ['formats', 'util'],
  'tasks/task.ts': [...TASK_FLOORS],
  'tasks/shared': [...TASK_FLOORS, 'tasks/task.ts'],
  'tasks/tagger': [...TASK_FLOORS, 'tasks/task.ts', 'tasks/shared'],
  // The parser family: the tree and graph objectives both live here (graph-objective.ts, objective-for.ts).
  'tasks/dependency': [...TASK_FLOORS, 'tasks/task.ts', 'tasks/shared'],
  // What is graph-only and sits on top of a trained parser (threshold calibration).
  'tasks/graph': [...TASK_FLOORS, 'tasks/task.ts', 'tasks/shared', 'tasks/dependency'],
  'tasks/registry.ts': [...TASK_FLOORS, 'tasks/task.ts', 'tasks/shared', 'tasks/tagger', 'tasks/dependency', 'tasks/graph'],
  // The epoch step and stopping rules shared by ace train and every search episode.
  training: ['tasks/task.ts', 'util'],
  search: ['training', 'tasks/task.ts', 'util'],
  report: ['search', 'util'],
  // Experiment plans run as `ace search` processes; the folders they leave are read back for tables and status.
  experiment: ['search', 'report', 'datasets', 'tasks/registry.ts', 'tasks/task.ts', 'util'],
  index: [...LIBRARY],
  cli: [...LIBRARY],
});

/** Packages that draw on or parse the terminal: the composition root alone may import them. */
const CLI_ONLY_PACKAGES: readonly string[] = Object.freeze(['cli-progress', 'commander']);

/** Known breaks of the rules, each to be removed by the change named beside it. An entry that no longer occurs fails. */
const TOLERATED: readonly { from: string; to: string }[] = Object.freeze([
]);

interface ImportEdge {
  /** Repository-relative, '/'-separated: src/engine/index.ts. */
  from: string;
  /** A repository-relative .ts path for a relative import, else the bare specifier (node:fs, cli-progress). */
  to: string;
  line: number;
}

const root = repoRoot();
const srcDir = join(root, 'src');
const posix = (p: string): string => p.split(sep).join('/');

function tsFiles(dir: string): string[] {
  return readdirSync(dir).sort().flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return tsFiles(path);
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Every static import, re-export, `import type` and dynamic `import()` of every file under src/. */
function importEdges(): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const file of tsFiles(srcDir)) {
    const text = readFileSync(file, 'utf8');
    const from = posix(relative(root, file));
    for (const ref of ts.preProcessFile(text, true, true).importedFiles) {
      const line = text.slice(0, ref.pos).split('\n').length;
      const spec = ref.fileName;
      if (!spec.startsWith('.')) {
        edges.push({ from, to: spec, line });
        continue;
      }
      const target = resolve(dirname(file), spec).replace(/\.js$/, '.ts');
      assert.ok(existsSync(target), `${from}:${line} imports '${spec}', which resolves to no .ts file under src/`);
      edges.push({ from, to: posix(relative(root, target)), line });
    }
  }
  return edges;
}

/** The unit of a repository-relative path under src/, or undefined for a file the table cannot place. */
function unitOf(path: string): string | undefined {
  const parts = path.replace(/^src\//, '').split('/');
  if (parts.length === 1) return parts[0] === 'index.ts' ? 'index' : undefined;
  if (parts[0] === 'tasks') return `tasks/${parts[1]}`;
  return parts[0];
}

const isPackage = (to: string): boolean => !to.startsWith('src/');
const packageName = (spec: string): string => (spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : (spec.split('/')[0] ?? spec));
const matches = (t: { from: string; to: string }, e: ImportEdge): boolean =>
  t.from === e.from && (t.to === e.to || (isPackage(e.to) && t.to === packageName(e.to)));
const tolerated = (e: ImportEdge): boolean => TOLERATED.some((t) => matches(t, e));

function rule(unit: string): string {
  const allowed = ALLOWED_IMPORTS[unit] ?? [];
  return allowed.length === 0 ? `${unit} imports nothing of src/` : `${unit} may import only ${allowed.join(', ')}`;
}

/** Strongly connected components with more than one member (Tarjan), each listed in discovery order. */
function cycles(nodes: readonly string[], next: (n: string) => readonly string[]): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (n: string): void => {
    index.set(n, index.size);
    low.set(n, index.get(n)!);
    stack.push(n);
    onStack.add(n);
    for (const m of next(n)) {
      if (!index.has(m)) {
        visit(m);
        low.set(n, Math.min(low.get(n)!, low.get(m)!));
      } else if (onStack.has(m)) low.set(n, Math.min(low.get(n)!, index.get(m)!));
    }
    if (low.get(n) === index.get(n)) {
      const component: string[] = [];
      let m: string;
      do {
        m = stack.pop()!;
        onStack.delete(m);
        component.push(m);
      } while (m !== n);
      if (component.length > 1) found.push(component.reverse());
    }
  };
  for (const n of nodes) if (!index.has(n)) visit(n);
  return found;
}

const edges = importEdges();
const internal = edges.filter((e) => !isPackage(e.to));

test('the rules table names only known units and is itself acyclic', () => {
  const units = Object.keys(ALLOWED_IMPORTS);
  for (const [unit, allowed] of Object.entries(ALLOWED_IMPORTS)) {
    for (const to of allowed) assert.ok(units.includes(to), `${unit} lists unknown unit '${to}'`);
    assert.ok(!allowed.includes('cli'), `nothing may import cli (${unit} lists it)`);
  }
  assert.deepEqual(cycles(units, (u) => ALLOWED_IMPORTS[u] ?? []), []);
});

test('every file under src/ belongs to a unit of the table', () => {
  const unplaced = tsFiles(srcDir)
    .map((f) => posix(relative(root, f)))
    .filter((f) => {
      const unit = unitOf(f);
      return unit === undefined || !(unit in ALLOWED_IMPORTS);
    });
  assert.deepEqual(unplaced, [], 'files of a folder ALLOWED_IMPORTS (test/layout/imports.test.ts) does not list: give it an entry');
});

test('no import cycle between folders', () => {
  const arrows = new Map<string, Map<string, ImportEdge>>();
  for (const e of internal) {
    const a = unitOf(e.from)!;
    const b = unitOf(e.to)!;
    if (a === b) continue;
    if (!arrows.has(a)) arrows.set(a, new Map());
    if (!arrows.get(a)!.has(b)) arrows.get(a)!.set(b, e);
  }
  const found = cycles([...arrows.keys()].sort(), (u) => [...(arrows.get(u)?.keys() ?? [])]);
  const explain = found.map((c) => {
    const witnesses = c.flatMap((a) => c.filter((b) => arrows.get(a)?.has(b)).map((b) => {
      const e = arrows.get(a)!.get(b)!;
      return `    ${a} → ${b}: ${e.from}:${e.line} imports ${e.to}`;
    }));
    return `  cycle ${c.join(' ⇄ ')}\n${witnesses.join('\n')}`;
  });
  assert.equal(found.length, 0, `import cycles between folders:\n${explain.join('\n')}`);
});

test('no import cycle between files either (type-only imports included)', () => {
  const next = new Map<string, string[]>();
  for (const e of internal) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
  const found = cycles([...next.keys()].sort(), (f) => next.get(f) ?? []);
  assert.deepEqual(found, [], 'import cycles between files of src/');
});

test('every import between folders follows the rules table', () => {
  const broken = internal
    .filter((e) => {
      const a = unitOf(e.from)!;
      const b = unitOf(e.to)!;
      return a !== b && a in ALLOWED_IMPORTS && !(ALLOWED_IMPORTS[a] ?? []).includes(b) && !tolerated(e);
    })
    .map((e) => `  ${e.from}:${e.line} imports ${e.to} (rule: ${rule(unitOf(e.from)!)})`);
  assert.equal(broken.length, 0, `imports against the layering (ALLOWED_IMPORTS in test/layout/imports.test.ts):\n${broken.join('\n')}`);
});

test('terminal packages are imported by src/cli/ alone', () => {
  const broken = edges
    .filter((e) => isPackage(e.to) && CLI_ONLY_PACKAGES.includes(packageName(e.to)) && unitOf(e.from) !== 'cli' && !tolerated(e))
    .map((e) => `  ${e.from}:${e.line} imports ${e.to} (rule: ${CLI_ONLY_PACKAGES.join(', ')} only in cli)`);
  assert.equal(broken.length, 0, `terminal packages outside src/cli/:\n${broken.join('\n')}`);
});

test('every tolerated break still occurs (remove entries once fixed)', () => {
  const stale = TOLERATED.filter((t) => !edges.some((e) => matches(t, e)));
  assert.deepEqual(stale, [], 'TOLERATED in test/layout/imports.test.ts lists breaks that no longer occur');
});
