// Listeners on search events: a terminal progress bar and a JSONL event log (kept out of the loop itself).
import { existsSync, readFileSync } from 'node:fs';
import { SingleBar, Presets } from 'cli-progress';
import { writeFileAtomic } from '../util/atomic-fs.js';
import type { SearchEvents } from './events.js';

export interface ProgressBarOptions {
  stream?: NodeJS.WritableStream;
}

/** A bar over all epochs of the search showing the episode, the last dev score and the best so far. */
export function attachProgressBar(events: SearchEvents, options: ProgressBarOptions = {}): () => void {
  const bar = new SingleBar(
    {
      format: 'search |{bar}| {value}/{total} epochs · episode {episode} · dev {dev} · best {best}',
      stream: options.stream ?? process.stderr,
      hideCursor: true,
    },
    Presets.shades_classic,
  );
  let best = -Infinity;
  const offs = [
    events.on('searchStart', (e) => {
      const done = e.resumedAt ? e.resumedAt.episode * e.epochsPerEpisode + e.resumedAt.epoch : 0;
      bar.start(e.episodes * e.epochsPerEpisode, done, { episode: e.resumedAt?.episode ?? 0, dev: '–', best: '–' });
    }),
    events.on('epochEnd', (e) => {
      best = Math.max(best, e.result.devScore);
      bar.update(e.globalEpoch + 1, { episode: e.episode, dev: e.result.devScore.toFixed(2), best: best.toFixed(2) });
    }),
    events.on('searchEnd', () => bar.stop()),
  ];
  return () => {
    bar.stop();
    for (const off of offs) off();
  };
}

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
    events.on('epochEnd', (e) => write('epochEnd', e)),
    events.on('episodeEnd', (e) => write('episodeEnd', { episode: e.episode, devScore: e.record.devScore, reward: e.record.reward })),
    events.on('retrainEpochEnd', (e) => write('retrainEpochEnd', e)),
    events.on('searchEnd', (e) => write('searchEnd', { final: e.record.final })),
  ];
  return () => {
    for (const off of offs) off();
  };
}
