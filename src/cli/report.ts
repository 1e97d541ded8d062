// `ace report DIR [--compare DIR2 ...]`: rebuild report.html of searches or of `ace train` runs.
import type { Command } from 'commander';
import { writeReport } from '../report/write-report.js';

export function register(program: Command): void {
  program
    .command('report')
    .description('rebuild <dir>/report.html of a search (search.json) or an `ace train` run (train.log.jsonl), optionally comparing other runs of the same kind (e.g. ACE against RANDOM)')
    .argument('<dir>', 'a search or training output folder')
    .option('--compare <dirs...>', 'other folders of the same kind to plot alongside')
    .action((dir: string, flags: { compare?: string[] }) => {
      const path = writeReport([dir, ...(flags.compare ?? [])], new Date().toISOString());
      process.stdout.write(`${path}\n`);
    });
}
