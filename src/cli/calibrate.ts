// `ace calibrate`: choose a graph parser's arc threshold on a dataset split (dev by default) and store it in the bundle.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { DEFAULT_THRESHOLDS, type Calibration } from '../tasks/graph/calibrate.js';
import { FAMILIES, familyOfBundle } from '../tasks/registry.js';
import type { Split } from '../tasks/task.js';
import { UsageError } from '../util/errors.js';
import { cliContext } from './context.js';

interface CalibrateFlags {
  model: string;
  data: string;
  split: Split;
  thresholds?: string;
  dryRun?: boolean;
  home?: string;
  cacheDir?: string;
  backend?: string;
}

function parseThresholds(v: string | undefined): readonly number[] {
  if (v === undefined) return DEFAULT_THRESHOLDS;
  const t = v.split(',').map((x) => Number(x.trim()));
  if (t.some((x) => !Number.isFinite(x))) throw new UsageError(`--thresholds needs comma-separated numbers (arc logits), got '${v}'`);
  return t;
}

export async function runCalibrate(flags: CalibrateFlags, out: NodeJS.WritableStream = process.stdout): Promise<Calibration> {
  if (flags.split === 'test') throw new UsageError('calibrate on dev (or train), not on the test split it will be scored on');
  const dir = resolve(flags.model);
  const calibrate = familyOfBundle(dir).calibrate;
  if (calibrate === undefined) {
    const calibrating = FAMILIES.filter((f) => f.calibrate !== undefined).map((f) => f.name);
    throw new UsageError(`${flags.model} is not a ${calibrating.join(' or ')} bundle`);
  }
  const thresholds = parseThresholds(flags.thresholds);
  const ctx = cliContext(flags);
  const { calibration: c, before } = await calibrate.sweep(dir, {
    model: flags.model, data: flags.data, split: flags.split, thresholds, dataHome: ctx.dataHome, cacheDir: ctx.cacheDir, backend: ctx.backend,
  });
  out.write(`arc threshold (logit) → ${c.metric} on ${flags.data} ${flags.split}\n`);
  for (const row of c.table) {
    const marks = [row.threshold === before ? 'current' : '', row === c.best ? 'best' : ''].filter(Boolean).join(', ');
    out.write(`  ${row.threshold.toFixed(2).padStart(6)}  σ ${(1 / (1 + Math.exp(-row.threshold))).toFixed(3)}  ${row.score.toFixed(2)}${marks ? `  (${marks})` : ''}\n`);
  }
  if (flags.dryRun) out.write('dry run: the bundle is unchanged\n');
  else {
    calibrate.store(dir, c.best.threshold);
    out.write(`stored threshold ${c.best.threshold} in ${dir}/model.json\n`);
  }
  return c;
}

export function register(program: Command): void {
  program
    .command('calibrate')
    .description("choose a graph parser's arc threshold (σ > 0.5 by default) on held-out data and store it in the bundle")
    .requiredOption('--model <dir>', 'graph parser bundle (task sdp or eud)')
    .requiredOption('--data <name>', 'dataset name (see `ace data list`)')
    .option('--split <split>', 'train | dev', 'dev')
    .option('--thresholds <list>', `arc logits to try (default ${DEFAULT_THRESHOLDS.join(',')})`)
    .option('--dry-run', 'print the table without changing the bundle')
    .option('--home <dir>', 'data home (default $ACE_DATA_HOME)')
    .option('--cache-dir <dir>', 'where frozen candidates find their weights (default $ACE_CACHE_DIR)')
    .option('--backend <name>', 'auto | native | js (default $ACE_BACKEND or auto)')
    .action(async (flags: CalibrateFlags) => {
      await runCalibrate(flags);
    });
}
