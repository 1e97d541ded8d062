// `ace embed`: precomputes the frozen candidates' caches for a dataset's splits, with progress, and reports reuse.
import { frozenSetId } from '../tasks/shared/frozen-sources.js';
import { Option, type Command } from 'commander';
import { SingleBar } from 'cli-progress';
import { defaultCacheDir, defaultDataHome } from '../util/paths.js';
import { UsageError } from '../util/errors.js';
import { ensureDir } from '../util/ensure-dir.js';
import type { Split } from '../tasks/task.js';
import type { Sentence } from '../formats/types.js';
import { datasetSpec, loadGraphs, loadTagging, loadTrees } from '../datasets/registry.js';
import { buildCandidate, isFrozen, loadCandidateConfig, resolveCandidateSpecs } from '../embeddings/registry.js';
import { EmbeddingCache, type CacheStats } from '../embeddings/cache/store.js';
import type { CacheDtype } from '../embeddings/cache/manifest.js';
import type { FrozenCandidate } from '../embeddings/candidate.js';

const SPLITS: readonly Split[] = ['train', 'dev', 'test'];

export interface EmbedOptions {
  data: string;
  /** Undefined = every split the dataset has. */
  split?: Split | undefined;
  candidates: string[];
  config?: string | undefined;
  dataHome: string;
  cacheDir: string;
  dtype: CacheDtype;
  /** Draw a progress bar on stderr (the CLI: when stderr is a terminal). */
  progress: boolean;
}

export interface EmbedResult {
  candidate: string;
  split: Split;
  stats: CacheStats;
}

async function loadSplit(home: string, name: string, split: Split): Promise<Sentence[]> {
  // Any view gives the same words; take the dataset's first task kind.
  const kind = datasetSpec(name).tasks[0];
  if (kind === 'tagging') return loadTagging(home, name, split);
  if (kind === 'tree') return loadTrees(home, name, split);
  return loadGraphs(home, name, split);
}

/** The command's work, callable from tests: returns one result per (frozen candidate, split). */
export async function runEmbed(o: EmbedOptions, log: (line: string) => void): Promise<EmbedResult[]> {
  const spec = datasetSpec(o.data);
  const splits = o.split ? [o.split] : SPLITS.filter((s) => spec.files[s] !== undefined);
  if (o.split && spec.files[o.split] === undefined) throw new UsageError(`dataset '${o.data}' has no ${o.split} split`);
  const config = o.config ? loadCandidateConfig(o.config) : [];
  const specs = resolveCandidateSpecs(o.candidates, config);

  const data = new Map<Split, Sentence[]>();
  // Static vectors keep only words of the data: all splits, so one loaded table serves every split's cache.
  const keep = new Set<string>();
  for (const s of SPLITS.filter((x) => spec.files[x] !== undefined)) {
    const sentences = await loadSplit(o.dataHome, o.data, s);
    for (const sent of sentences) for (const w of sent.words) keep.add(w);
    if (splits.includes(s)) data.set(s, sentences);
  }

  const cache = new EmbeddingCache({ dir: o.cacheDir, dtype: o.dtype });
  const frozen: FrozenCandidate[] = [];
  for (const cs of specs) {
    const t0 = performance.now();
    const candidate = await buildCandidate(cs, {
      cacheDir: o.cacheDir,
      keep,
      onWinkLoad: (r) =>
        log(`${cs.name}: ${r.converted ? `converted the GloVe JSON in ${(r.convertMs / 1000).toFixed(1)} s, ` : ''}loaded ${r.path} in ${(r.loadMs / 1000).toFixed(2)} s`),
    });
    if (!isFrozen(candidate)) {
      log(`${cs.name}: trainable (${cs.kind}, dim ${candidate.dim}) — computed inside the task model, nothing to cache`);
      continue;
    }
    log(`${cs.name}: ${cs.kind}, dim ${candidate.dim}, ready in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    frozen.push(candidate);
  }
  const results: EmbedResult[] = [];
  try {
    // Split by split, all candidates in lockstep batch by batch (the USE-lite layers then share one execution).
    for (const split of splits) {
      if (frozen.length === 0) break;
      const sentences = data.get(split)!;
      const names = frozen.map((c) => c.spec.name).join(', ');
      const bar = o.progress
        ? new SingleBar({
            format: `${split} (${names}) [{bar}] {value}/{total} sentences | {speed} sent/s | ETA {eta_formatted}`,
            stream: process.stderr,
            etaBuffer: 50,
          })
        : undefined;
      const started = performance.now();
      let lastLine = started;
      bar?.start(sentences.length, 0, { speed: '-' });
      // A sentence counts as done once every candidate has it.
      const done = frozen.map(() => 0);
      const readers = await cache.getOrBuildMany(frozen, sentences, frozenSetId(o.data, split), (k, n, total) => {
        done[k] = n;
        const all = Math.min(...done);
        const now = performance.now();
        const secs = (now - started) / 1000;
        const speed = secs > 0 ? all / secs : 0;
        bar?.update(all, { speed: secs > 0 ? speed.toFixed(0) : '-' });
        // Without a terminal (logs, CI), a line every 10 s instead of the bar.
        if (!bar && all < total && now - lastLine >= 10_000) {
          lastLine = now;
          log(`${split}: ${all}/${total} sentences · ${speed.toFixed(0)} sent/s · ETA ${Math.round((total - all) / Math.max(speed, 1e-9))} s`);
        }
      });
      bar?.stop();
      readers.forEach((reader, k) => {
        reader.close();
        const st = reader.stats;
        const name = frozen[k].spec.name;
        const mb = (st.bytes / 2 ** 20).toFixed(1);
        log(
          st.reused
            ? `${name} ${split}: reused cache (${st.sentences} sentences, ${st.tokens} tokens, ${mb} MiB, verified in ${st.verifyMs.toFixed(0)} ms)`
            : `${name} ${split}: built (${st.outcome}) ${st.sentences} sentences, ${st.tokens} tokens, ${mb} MiB in ${(st.buildMs / 1000).toFixed(1)} s`,
        );
        results.push({ candidate: name, split, stats: st });
      });
    }
  } finally {
    for (const c of frozen) await c.dispose?.();
  }
  const reused = results.filter((r) => r.stats.reused).length;
  log(`done: ${reused} of ${results.length} caches reused, ${results.length - reused} built, under ${o.cacheDir}`);
  return results;
}

export function register(program: Command): void {
  program
    .command('embed')
    .description('precompute the embedding caches of frozen candidates for a dataset')
    .requiredOption('--data <name>', 'dataset name (see `ace data list`)')
    .option('--split <split>', 'train, dev or test (default: all splits of the dataset)')
    .option('--candidates <list>', 'comma-separated embedding candidates (glove, use-l0, use-l1, char, casing, or names from --config)', 'glove')
    .addOption(new Option('--embeddings <list>').hideHelp())
    .option('--config <file>', 'YAML/JSON file listing more candidates (name, kind, options)')
    .option('--home <dir>', 'data home (default: ACE_DATA_HOME or ~/.local/share/ace-ts/data)')
    .option('--cache-dir <dir>', 'cache directory (default: ACE_CACHE_DIR or ~/.cache/ace-ts)')
    .option('--dtype <dtype>', 'float16 or float32 storage', 'float16')
    .action(async (o: { data: string; split?: string; candidates: string; embeddings?: string; config?: string; home?: string; cacheDir?: string; dtype: string }, cmd: Command) => {
      if (o.embeddings !== undefined) {
        if (cmd.getOptionValueSource('candidates') === 'cli') throw new UsageError('--candidates and --embeddings are one option (--embeddings is its old name): give it once');
        o.candidates = o.embeddings;
      }
      if (o.split !== undefined && !SPLITS.includes(o.split as Split)) throw new UsageError(`--split must be train, dev or test (got ${o.split})`);
      if (o.dtype !== 'float16' && o.dtype !== 'float32') throw new UsageError(`--dtype must be float16 or float32 (got ${o.dtype})`);
      const candidates = o.candidates.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
      if (candidates.length === 0) throw new UsageError('--candidates needs at least one name');
      const cacheDir = o.cacheDir ?? defaultCacheDir();
      ensureDir(cacheDir, 'cache folder'); // fails at once on a path that cannot be a folder
      await runEmbed(
        {
          data: o.data,
          split: o.split as Split | undefined,
          candidates,
          config: o.config,
          dataHome: o.home ?? defaultDataHome(),
          cacheDir,
          dtype: o.dtype,
          progress: Boolean(process.stderr.isTTY),
        },
        (line) => process.stdout.write(line + '\n'),
      );
    });
}
