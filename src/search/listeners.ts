// A listener on search events that keeps a JSONL event log (the terminal progress lives in cli/search-progress.ts).
import { existsSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '../util/atomic-fs.js';
import type { SearchEvents } from './events.js';

/**
 * One JSON object per line for each event, appended by rewriting the file atomically (the log stays small: a few
 * lines per epoch). After a crash, epochs redone on resume appear twice; the `resumedAt` line marks where.
 */
export function attachJsonlLog(events: SearchEvents, path: string, now: () => number = Date.now): () => void {
  let text = existsSync(path) ? readFileSync(path, 'utf8') : '';
  const write = (event: string, payload: unknown): void => {
    text += JSON.stringify({ time: new Date(now()).toISOString(), event, ...(payload as object) }) + '\n';
    writeFileAtomic(path, text);
  };
  const offs = [
    events.on('searchStart', (e) => write('searchStart', e)),
    events.on('episodeStart', (e) => write('episodeStart', e)),
    events.on('stepStart', (e) => write('stepStart', e)),
    events.on('epochEnd', (e) => write('epochEnd', e)),
    events.on('episodeEnd', (e) => write('episodeEnd', { episode: e.episode, devScore: e.record.devScore, reward: e.record.reward })),
    events.on('retrainEpochEnd', (e) => write('retrainEpochEnd', e)),
    events.on('searchEnd', (e) => write('searchEnd', { final: e.record.final })),
  ];
  return () => {
    for (const off of offs) off();
  };
}
