// Child process for the --parallel CLI tests: `ace search` and `ace search-branch` over the synthetic task, argv as the CLI's.
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { registerSearch } from '../../src/cli/search.js';
import { SyntheticTask } from './synthetic-task.js';

const delayMs = Number(process.env.ACE_TEST_DELAY_MS ?? '0');
// Branch processes run this same script (through tsx when the tests run as TypeScript).
const execArgv = import.meta.url.endsWith('.ts') ? ['--import', 'tsx'] : [];
const program = new Command();
registerSearch(program, async () => new SyntheticTask({ delayMs }), { kind: 'processes', entry: { script: fileURLToPath(import.meta.url), execArgv } });
await program.parseAsync(process.argv);
