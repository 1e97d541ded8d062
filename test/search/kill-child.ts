// Child process for the kill -9 test: runs (or resumes) a small synthetic search in the folder given as argv[2].
import { SearchEvents } from '../../src/search/events.js';
import { resolveSearchOptions } from '../../src/search/options.js';
import { runSearch } from '../../src/search/search-loop.js';
import { SyntheticTask } from './synthetic-task.js';
import { KILL_TEST_OPTIONS } from './resume-fixtures.js';

const outDir = process.argv[2];
const delayMs = Number(process.argv[3] ?? '0');
const events = new SearchEvents();
events.on('searchStart', () => process.stdout.write('ready\n'));
events.on('epochEnd', (e) => process.stdout.write(`epoch ${e.globalEpoch}\n`));
await runSearch(new SyntheticTask({ delayMs }), resolveSearchOptions({ outDir, ...KILL_TEST_OPTIONS }), events, {
  resume: true,
  createFreshTask: async () => new SyntheticTask(),
});
process.stdout.write('done\n');
