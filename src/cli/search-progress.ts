// Search progress for people: a bar over the episodes on a terminal, one line per epoch elsewhere (logs, CI).
import { SingleBar, Presets } from 'cli-progress';
import type { SearchEvents } from '../search/events.js';
import { strategyLabel } from '../search/strategy.js';

export interface SearchProgressOptions {
  stream: NodeJS.WritableStream;
  /** Draw a bar (a terminal) or print lines; default: whether the stream is a TTY. */
  tty?: boolean;
  now?: () => number;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '–';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/**
 * The whole search's ETA: the episodes still to run at the mean wall time of the finished ones, plus what the
 * running episodes still need at the mean epochs per episode (before any episode has finished, the epoch limit).
 * With `--parallel K` the episodes of a step run at once (one running episode per branch), so the time is over K.
 */
export class SearchClock {
  private finished: { epochs: number; seconds: number }[] = [];
  /** The running episodes, by branch (-1: the sequential search's one). */
  private current = new Map<number, { epochs: number; seconds: number }>();

  constructor(
    private readonly episodes: number,
    private readonly maxEpochs: number,
    done: readonly { epochs: number; seconds: number }[] = [],
    private readonly parallel = 1,
  ) {
    this.finished = [...done];
  }

  epoch(seconds: number, episodeDone: boolean, branch = -1): void {
    const was = this.current.get(branch) ?? { epochs: 0, seconds: 0 };
    const now = { epochs: was.epochs + 1, seconds: was.seconds + seconds };
    if (episodeDone) {
      this.finished.push(now);
      this.current.delete(branch);
    } else {
      this.current.set(branch, now);
    }
  }

  get episodesDone(): number {
    return this.finished.length;
  }

  etaSeconds(): number {
    const running = [...this.current.values()];
    const all = [...this.finished, ...running];
    const epochs = all.reduce((n, e) => n + e.epochs, 0);
    if (epochs === 0) return NaN;
    const perEpoch = all.reduce((n, e) => n + e.seconds, 0) / epochs;
    const perEpisode = this.finished.length > 0 ? this.finished.reduce((n, e) => n + e.epochs, 0) / this.finished.length : this.maxEpochs;
    const left = this.episodes - this.finished.length - running.length;
    const currentLeft = running.reduce((n, c) => n + Math.max(1, perEpisode - c.epochs), 0);
    return ((currentLeft + left * perEpisode) * perEpoch) / this.parallel;
  }
}

export function attachSearchProgress(events: SearchEvents, options: SearchProgressOptions): () => void {
  const stream = options.stream;
  const tty = options.tty ?? Boolean((stream as NodeJS.WriteStream).isTTY);
  const bar = tty
    ? new SingleBar(
        {
          format: '{strategy} |{bar}| episode {episode}/{total} · epoch {epoch} · lr {lr} · dev {dev} · best {best} · ETA {eta}',
          stream,
          hideCursor: true,
        },
        Presets.shades_classic,
      )
    : null;
  let clock = new SearchClock(1, 1);
  let label = '';
  let total = 0;
  const offs = [
    events.on('searchStart', (e) => {
      clock = new SearchClock(e.episodes, e.epochsPerEpisode, e.done, e.parallel ?? 1);
      label = strategyLabel(e.strategy);
      total = e.episodes;
      const head = `${label} search · ${e.candidates.length} candidates · ${e.episodes} episode${e.episodes === 1 ? '' : 's'}${e.parallel ? ` · ${e.parallel} at once` : ''} · regime ${e.regime.name}`;
      if (bar) bar.start(total, clock.episodesDone, { strategy: label, episode: clock.episodesDone, epoch: 0, lr: '–', dev: '–', best: '–', eta: '–' });
      else stream.write(`${head}${e.resumedAt ? ` · resuming at episode ${e.resumedAt.episode}, epoch ${e.resumedAt.epoch}` : ''}\n`);
    }),
    events.on('epochEnd', (e) => {
      clock.epoch(e.result.seconds, e.episodeDone, e.branch);
      const eta = formatDuration(clock.etaSeconds());
      const lr = e.result.learningRate.toPrecision(3);
      if (bar) {
        bar.update(clock.episodesDone, { strategy: label, episode: e.episode, epoch: e.epoch + 1, lr, dev: e.result.devScore.toFixed(2), best: e.bestScore.toFixed(2), eta });
      } else {
        stream.write(
          `episode ${e.episode}/${total}${e.branch !== undefined ? ` (branch ${e.branch})` : ''} epoch ${e.epoch + 1}: dev ${e.result.devScore.toFixed(2)}${e.newBest ? ' (best)' : ''} · episode best ${e.episodeBest.toFixed(2)} · best ${e.bestScore.toFixed(2)} · lr ${lr} · ${e.result.seconds.toFixed(1)} s${e.episodeDone ? ' · episode done' : ''} · ETA ${eta}\n`,
        );
      }
    }),
    events.on('stepStart', (e) => {
      const last = e.firstEpisode + e.branches - 1;
      const note = e.branches < e.requested ? ` (only ${e.branches} distinct selections could be drawn of the ${e.requested} asked)` : '';
      if (!bar || note) stream.write(`parallel step: episodes ${e.firstEpisode}–${last} at once${note}\n`);
    }),
    events.on('retrainEpochEnd', (e) => {
      if (!bar) stream.write(`retrain epoch ${e.epoch + 1}: dev ${e.result.devScore.toFixed(2)} · ${e.result.seconds.toFixed(1)} s\n`);
    }),
    events.on('searchEnd', () => bar?.stop()),
  ];
  return () => {
    bar?.stop();
    for (const off of offs) off();
  };
}
