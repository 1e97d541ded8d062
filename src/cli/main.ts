#!/usr/bin/env node
// The `ace` command: the composition root, one small module per command.
import { Command } from 'commander';
import { UsageError, InputError } from '../util/errors.js';

const program = new Command();
program
  .name('ace')
  .description('Automated Concatenation of Embeddings for structured prediction (Wang et al., 2021)')
  .version('0.1.0')
  .showHelpAfterError();

const commandModules: Array<() => Promise<{ register: (p: Command) => void }>> = [
  () => import('./demo.js'),
  () => import('./data.js'),
  () => import('./embed.js'),
  () => import('./train.js'),
  () => import('./eval.js'),
  () => import('./calibrate.js'),
  () => import('./predict.js'),
  () => import('./search.js'),
  () => import('./report.js'),
  () => import('./experiment.js'),
  () => import('./worker.js'),
  () => import('./info.js'),
];

for (const load of commandModules) (await load()).register(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof UsageError || err instanceof InputError) {
    process.stderr.write(`ace: ${err.message}\n`);
    process.exit(2);
  }
  throw err;
}
