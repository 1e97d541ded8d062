// Downloads the openly published datasets (UD English-EWT, Tweebank v2) into the data home, with a bounded timeout.
import { join } from 'node:path';
import { UsageError } from '../util/errors.js';
import { writeFileAtomic } from '../util/atomic-fs.js';
import { datasetSpec } from './registry.js';

export interface DownloadOptions {
  /** Per-file timeout in milliseconds. */
  timeoutMs: number;
  /** Replaces the dataset's URL prefix (tests point it at an unreachable address). */
  baseUrlOverride?: string | undefined;
  fetchImpl?: typeof fetch;
  log?: (line: string) => void;
}

export const DEFAULT_DOWNLOAD_OPTIONS: Readonly<DownloadOptions> = Object.freeze({ timeoutMs: 30_000 });

/** Thrown when a download fails; the message says which URL and why (timeout, DNS, HTTP status...). */
export class DownloadError extends Error {
  constructor(readonly url: string, readonly reason: string) {
    super(`download of ${url} failed: ${reason}. This machine may have no network access; fetch the file by other means and place it in the data home.`);
    this.name = 'DownloadError';
  }
}

function reasonOf(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  const cause = e?.cause?.code ?? e?.cause?.message;
  return cause ? `${e?.message ?? 'error'} (${cause})` : String(e?.message ?? err);
}

/** Downloads every split file of a downloadable dataset; returns the written paths. */
export async function downloadDataset(home: string, name: string, options: Partial<DownloadOptions> = {}): Promise<string[]> {
  const opts = { ...DEFAULT_DOWNLOAD_OPTIONS, ...options };
  const spec = datasetSpec(name);
  if (!spec.download) throw new UsageError(`dataset '${name}' is not openly downloadable; obtain it from its publisher (see its PROVENANCE) and place it under ${join(home, spec.folder)}`);
  const doFetch = opts.fetchImpl ?? fetch;
  const written: string[] = [];
  for (const [split, url0] of Object.entries(spec.download)) {
    const url = opts.baseUrlOverride ? opts.baseUrlOverride.replace(/\/$/, '') + '/' + url0.split('/').pop() : url0;
    const file = spec.files[split as keyof typeof spec.files];
    if (!file || file === 'held-out') continue;
    opts.log?.(`fetching ${url}`);
    let body: Uint8Array;
    try {
      const res = await doFetch(url, { signal: AbortSignal.timeout(opts.timeoutMs) });
      if (!res.ok) throw new DownloadError(url, `HTTP ${res.status} ${res.statusText}`);
      body = new Uint8Array(await res.arrayBuffer());
    } catch (err) {
      if (err instanceof DownloadError) throw err;
      throw new DownloadError(url, reasonOf(err, opts.timeoutMs));
    }
    if (body.length === 0) throw new DownloadError(url, 'empty response');
    const path = join(home, spec.folder, file);
    writeFileAtomic(path, body);
    written.push(path);
  }
  return written;
}
