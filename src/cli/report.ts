// `ace report DIR [--compare DIR2 ...]`: rebuild report.html of searches or of `ace train` runs; `--table` for an experiment's comparison tables.
import type { Command } from 'commander';
import { basename, join, resolve } from 'node:path';
import { writeReport } from '../report/write-report.js';
import { buildTables, renderMarkdown, renderTableHtml, type Spread } from '../report/table.js';
import { collectRuns } from '../experiment/collect.js';
import { writeFileAtomic } from '../util/atomic-fs.js';
import { UsageError } from '../util/errors.js';

interface ReportFlags {
  compare?: string[];
  table?: boolean;
  md?: string;
  spread: string;
}

/** The Markdown tables of every search under `dir` (stdout, or `md`), and `dir`/table.html. */
function writeTables(dir: string, flags: ReportFlags): void {
  if (flags.spread !== 'sd' && flags.spread !== 'range') throw new UsageError(`--spread must be sd or range, got '${flags.spread}'`);
  const spread: Spread = flags.spread;
  const runs = collectRuns(dir);
  if (runs.length === 0) throw new UsageError(`no search (search.json) under ${dir}`);
  const tables = buildTables(runs);
  const markdown = renderMarkdown(tables, spread);
  const html = join(dir, 'table.html');
  writeFileAtomic(html, renderTableHtml(tables, spread, basename(resolve(dir)), new Date().toISOString()));
  if (flags.md) writeFileAtomic(flags.md, markdown);
  else process.stdout.write(markdown);
  process.stderr.write(`ace: ${runs.length} searches in ${tables.length} tables · ${html}${flags.md ? ` · ${flags.md}` : ''}\n`);
}

export function register(program: Command): void {
  program
    .command('report')
    .description('rebuild <dir>/report.html of a search (search.json) or an `ace train` run (train.log.jsonl), optionally comparing other runs of the same kind (e.g. ACE against RANDOM); with --table, comparison tables of all searches under <dir>')
    .argument('<dir>', 'a search or training output folder (with --table: an experiment folder or any folder holding searches)')
    .option('--compare <dirs...>', 'other folders of the same kind to plot alongside')
    .option('--table', 'per data set/task, one row per strategy over seeds: Markdown on stdout and <dir>/table.html')
    .option('--md <file>', 'with --table: write the Markdown to a file instead of stdout')
    .option('--spread <kind>', 'with --table: sd (sample standard deviation) or range (min–max)', 'sd')
    .action((dir: string, flags: ReportFlags) => {
      if (flags.table) return writeTables(dir, flags);
      const path = writeReport([dir, ...(flags.compare ?? [])], new Date().toISOString());
      process.stdout.write(`${path}\n`);
    });
}
