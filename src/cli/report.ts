// `ace report DIR [--compare DIR2 ...]`: rebuild report.html from search.json files.
import type { Command } from 'commander';
import { writeReport } from '../report/write-report.js';

export function register(program: Command): void {
  program
    .command('report')
    .description('rebuild <dir>/report.html from search.json, optionally comparing other searches (e.g. ACE against RANDOM)')
    .argument('<dir>', 'a search output folder')
    .option('--compare <dirs...>', 'other search folders to plot alongside')
    .action((dir: string, flags: { compare?: string[] }) => {
      const path = writeReport([dir, ...(flags.compare ?? [])], new Date().toISOString());
      process.stdout.write(`${path}\n`);
    });
}
