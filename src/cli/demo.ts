// `ace demo`: a small ACE search on a CoNLL-2000 slice with the offline candidates, ending with the report's path and
// the command that tags raw text with the model it found.
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { createTask } from '../tasks/registry.js';
import { executeSearch, taskSettings, type SearchCommand } from './search.js';
import { cacheEventLogger, cliContext } from './context.js';
import { sliceNotes } from './slice-note.js';

/**
 * Candidates that read the words alone, so the model the demo ends with tags raw text (`ace predict --text`); a
 * column feature such as CoNLL-2000's POS column would tie it to files that carry that column.
 */
const DEMO_CANDIDATES = ['glove', 'char', 'casing'];

export interface DemoFlags {
  out?: string;
  episodes: string;
  epochsPerEpisode: string;
  limit: string;
  progress: boolean;
}

export async function runDemo(flags: DemoFlags): Promise<string> {
  const ctx = cliContext();
  const out = resolve(flags.out ?? join('runs', `demo-${new Date().toISOString().replace(/[:.]/g, '-')}`));
  const limit = Number(flags.limit);
  const command: SearchCommand = {
    request: { task: 'chunk', data: 'conll2000', candidates: [...DEMO_CANDIDATES], seed: 1, outDir: out, limit, hidden: 64 },
    strategy: 'ace',
    episodes: Number(flags.episodes),
    epochsPerEpisode: Number(flags.epochsPerEpisode),
    // A demo must finish in minutes: a fixed budget per episode, with the official percent rewards.
    regime: 'fixed',
    reward: 'hamming',
    rewardShaping: 'none',
    discount: 0.5,
    rewardScale: 1,
    evaluateTest: true,
    retrain: false,
    retrainEpochs: undefined,
  };
  process.stderr.write(`ace demo: ACE search over ${command.request.candidates.join(', ')} for chunking on the first ${limit} CoNLL-2000 sentences, ${command.episodes} episodes × ${command.epochsPerEpisode} epochs (backend ${ctx.backend.info.name})\n`);
  const record = await executeSearch(
    command,
    (req) =>
      createTask({ ...taskSettings(req), dataHome: ctx.dataHome, cacheDir: ctx.cacheDir, backend: ctx.backend, events: cacheEventLogger() }),
    { progress: flags.progress && Boolean(process.stderr.isTTY), stderr: process.stderr, dataHome: ctx.dataHome },
  );
  const final = record.final;
  const report = join(out, 'report.html');
  if (final) {
    const chosen = command.request.candidates.filter((_, i) => final.selection[i]);
    const slice = await sliceNotes(ctx.dataHome, command.request.data, limit);
    process.stdout.write(`best selection: ${chosen.join(' + ')} · dev F1 ${final.bestDevScore.toFixed(2)}${slice.dev}${final.testScore !== null ? ` · test F1 ${final.testScore.toFixed(2)}${slice.test}` : ''}\n`);
  }
  process.stdout.write(`report: ${report}\n`);
  process.stdout.write(`tag raw text with the model: ace predict --model ${join(out, 'model')} --text "He reckons the current account deficit will narrow ."\n`);
  return report;
}

export function register(program: Command): void {
  program
    .command('demo')
    .description('run a small ACE search on CoNLL-2000 chunking from the data home and write its report')
    .option('--out <dir>', 'output folder (default runs/demo-<time>)')
    .option('--episodes <n>', 'search episodes', '12')
    .option('--epochs-per-episode <n>', 'training epochs per episode', '2')
    .option('--limit <n>', 'training sentences', '600')
    .option('--no-progress', 'no progress bar')
    .action(async (flags: DemoFlags) => {
      await runDemo(flags);
    });
}
