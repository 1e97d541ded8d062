// `ace data list` and `ace data get NAME`: dataset presence and counts, and downloads of the open datasets.
import type { Command } from 'commander';
import { defaultDataHome } from '../util/paths.js';
import { datasetStatus } from '../datasets/registry.js';
import { DownloadError, downloadDataset } from '../datasets/download.js';

export function register(program: Command): void {
  const data = program.command('data').description('list and fetch datasets in the data home (ACE_DATA_HOME)');
  data
    .command('list')
    .description('table of datasets: present or not, splits with sentence and token counts, path')
    .option('--home <dir>', 'data home (default: ACE_DATA_HOME or ~/.local/share/ace-ts/data)')
    .action(async (o: { home?: string }) => {
      const home = o.home ?? defaultDataHome();
      const rows: string[][] = [['dataset', 'format', 'tasks', 'split', 'sentences', 'tokens', 'path']];
      for (const d of await datasetStatus(home)) {
        for (const s of d.splits) {
          rows.push([d.name, d.format, d.tasks.join(','), s.split + (s.heldOut ? '*' : ''), s.present ? String(s.sentences) : 'missing', s.present ? String(s.tokens) : '-', s.path]);
        }
      }
      const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
      for (const r of rows) process.stdout.write(r.map((v, c) => (c === 4 || c === 5 ? v.padStart(widths[c]) : v.padEnd(widths[c]))).join('  ').trimEnd() + '\n');
      process.stdout.write(`* = held out from the train file (every 10th sentence is dev)\n`);
    });
  data
    .command('get <name>')
    .description('download an openly published dataset (ud-ewt, tweebank2) into the data home')
    .option('--home <dir>', 'data home')
    .option('--timeout <ms>', 'per-file timeout in milliseconds', '30000')
    .option('--base-url <url>', 'fetch the files from this base URL instead of the public repository')
    .action(async (name: string, o: { home?: string; timeout: string; baseUrl?: string }) => {
      const home = o.home ?? defaultDataHome();
      try {
        const files = await downloadDataset(home, name, { timeoutMs: Number(o.timeout), baseUrlOverride: o.baseUrl, log: (l) => process.stderr.write(l + '\n') });
        for (const f of files) process.stdout.write(`wrote ${f}\n`);
      } catch (err) {
        if (err instanceof DownloadError) {
          process.stderr.write(`ace data get ${name}: ${err.message}\n`);
          process.exitCode = 1;
          return;
        }
        throw err;
      }
    });
}
