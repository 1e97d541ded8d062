#!/usr/bin/env node
// The `ace` command: the composition root, one small module per command.
import { Command } from 'commander';
import { describeFailure, isBrokenPipe } from './fail.js';

// Stacks are for bugs being chased: `--debug` anywhere on the command line (or ACE_DEBUG=1) prints them.
const debug = process.argv.slice(2).includes('--debug') || process.env.ACE_DEBUG === '1';

function fail(err: unknown): never {
  if (isBrokenPipe(err)) process.exit(0);
  const f = describeFailure(err, debug);
  process.stderr.write(f.text);
  process.exit(f.code);
}

// Installed before any command module loads, so they run before handlers a library adds later (the USE-lite glue
// re-throws from its own) and every error, thrown or rejected anywhere, ends as one line.
process.on('uncaughtException', fail);
process.on('unhandledRejection', fail);
process.stdout.on('error', fail);
process.stderr.on('error', (err) => process.exit(isBrokenPipe(err) ? 0 : describeFailure(err, false).code));

const program = new Command();
program
  .name('ace')
  .description('Automated Concatenation of Embeddings for structured prediction (Wang et al., 2021)')
  .version('0.1.0')
  .option('--debug', 'on an error, print its stack trace too')
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

try {
  for (const load of commandModules) (await load()).register(program);
  await program.parseAsync(process.argv);
} catch (err) {
  fail(err);
}
