// A job folder's lease (lease.json): the runner of a try renews it every few seconds, so no second runner starts a search in the same folder.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { writeJsonAtomic } from '../util/atomic-fs.js';

export const LEASE_FILE = 'lease.json';
const RENEW_MS = 2000;
/** A lease from another host whose content has not changed for this long is taken to be dead. */
export const LEASE_STALE_MS = 10_000;

export interface Lease {
  worker: string;
  host: string;
  /** The runner's pid (the worker or `ace experiment` process). */
  pid: number;
  /** The job process's pid, once started. */
  child: number | null;
  renewals: number;
  renewedAt: string;
}

/** Whether a process of this host is alive (EPERM: it exists but is another user's). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readLease(path: string): Lease | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Lease;
  } catch {
    return null;
  }
}

/** On this host a lease is live while its runner or its job process lives; from elsewhere, while it is renewed. */
function liveHere(l: Lease): boolean {
  return alive(l.pid) || (l.child !== null && alive(l.child));
}

export interface HeldLease {
  setChild(pid: number | null): void;
  release(): void;
}

/**
 * Wait until no one else holds the folder's lease, then take it. `onWait` is told once who holds it. A lease BullMQ
 * would not know about (a worker that lost its Redis lock but still runs) is waited out, not broken.
 */
export async function acquireLease(
  dir: string,
  worker: string,
  o: { signal?: AbortSignal; onWait?: (holder: Lease) => void; staleMs?: number; pollMs?: number } = {},
): Promise<HeldLease> {
  const path = join(dir, LEASE_FILE);
  const mine: Lease = { worker, host: hostname(), pid: process.pid, child: null, renewals: 0, renewedAt: new Date().toISOString() };
  let told = false;
  let seen: { text: string; since: number } | null = null;
  for (;;) {
    if (o.signal?.aborted) throw new Error('aborted while waiting for the job lease');
    try {
      writeFileSync(path, JSON.stringify(mine) + '\n', { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const text = existsSync(path) ? readFileSync(path, 'utf8') : '';
    const held = readLease(path);
    let stale: boolean;
    if (held === null) stale = true;
    else if (held.host === mine.host) stale = !liveHere(held);
    else {
      if (seen === null || seen.text !== text) seen = { text, since: Date.now() };
      stale = Date.now() - seen.since >= (o.staleMs ?? LEASE_STALE_MS);
    }
    if (stale) {
      rmSync(path, { force: true });
      continue;
    }
    if (!told && held) o.onWait?.(held);
    told = true;
    await new Promise((res) => setTimeout(res, o.pollMs ?? 500));
  }
  const renew = (): void => {
    mine.renewals++;
    mine.renewedAt = new Date().toISOString();
    writeJsonAtomic(path, mine);
  };
  const timer = setInterval(renew, RENEW_MS);
  timer.unref();
  return {
    setChild: (pid) => {
      mine.child = pid;
      renew();
    },
    release: () => {
      clearInterval(timer);
      rmSync(path, { force: true });
    },
  };
}
