// Redis URLs for the job queue: parse redis://[user:password@]host:port[/db], and check quickly that a server answers.
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { UsageError } from '../util/errors.js';

/** The BullMQ queue `ace experiment --queue` and `ace worker` use unless told another. */
export const DEFAULT_QUEUE_NAME = 'ace-jobs';

export interface RedisTarget {
  /** The URL as given, password hidden: for messages. */
  display: string;
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
  tls: boolean;
}

export function parseRedisUrl(url: string): RedisTarget {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UsageError(`--queue needs a URL like redis://HOST:PORT, got '${url}'`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new UsageError(`--queue needs a redis:// or rediss:// URL, got '${url}'`);
  if (!u.hostname) throw new UsageError(`--queue URL '${url}' names no host`);
  const port = u.port ? Number(u.port) : 6379;
  const dbText = u.pathname.replace(/^\//, '');
  if (dbText !== '' && !/^\d+$/.test(dbText)) throw new UsageError(`--queue URL '${url}': the path must be a database number`);
  const hidden = new URL(url);
  if (hidden.password) hidden.password = '***';
  return {
    display: hidden.toString().replace(/\/$/, ''),
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port,
    db: dbText === '' ? 0 : Number(dbText),
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    tls: u.protocol === 'rediss:',
  };
}

/** A RESP command (an array of bulk strings). */
function resp(...parts: string[]): string {
  return `*${parts.length}\r\n${parts.map((p) => `$${Buffer.byteLength(p)}\r\n${p}\r\n`).join('')}`;
}

/**
 * Connect, authenticate when the URL carries a password, and PING; rejects within `timeoutMs` with a one-line
 * UsageError naming the URL. BullMQ's own client retries forever, so this is what makes "no server" fail fast.
 */
export function probeRedis(target: RedisTarget, timeoutMs = 3000): Promise<void> {
  return new Promise((resolve, reject) => {
    const fail = (why: string): void => {
      socket.destroy();
      clearTimeout(timer);
      reject(new UsageError(`cannot reach Redis at ${target.display}: ${why}`));
    };
    const commands: string[] = [];
    if (target.password !== undefined) commands.push(target.username !== undefined ? resp('AUTH', target.username, target.password) : resp('AUTH', target.password));
    commands.push(resp('PING'));
    const socket: Socket = target.tls
      ? tlsConnect({ host: target.host, port: target.port, servername: target.host })
      : netConnect({ host: target.host, port: target.port });
    const timer = setTimeout(() => fail(`no answer within ${Number((timeoutMs / 1000).toFixed(1))} s`), timeoutMs);
    let buffer = '';
    socket.once(target.tls ? 'secureConnect' : 'connect', () => socket.write(commands.join('')));
    socket.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      const lines = buffer.split('\r\n').slice(0, -1);
      const error = lines.find((l) => l.startsWith('-'));
      if (error !== undefined) return fail(error.slice(1));
      if (lines.length >= commands.length) {
        if (lines[lines.length - 1] !== '+PONG') return fail(`unexpected answer '${lines[lines.length - 1]}'`);
        clearTimeout(timer);
        socket.end();
        resolve();
      }
    });
    socket.once('error', (err: NodeJS.ErrnoException) => fail(err.code ?? err.message));
  });
}

/** The options BullMQ passes to its Redis client. */
export function connectionOptions(t: RedisTarget): {
  host: string; port: number; db: number; username?: string; password?: string; tls?: object; maxRetriesPerRequest: null; connectTimeout: number;
} {
  return {
    host: t.host,
    port: t.port,
    db: t.db,
    ...(t.username !== undefined ? { username: t.username } : {}),
    ...(t.password !== undefined ? { password: t.password } : {}),
    ...(t.tls ? { tls: { servername: t.host } } : {}),
    // Workers block on Redis; BullMQ requires null here (retry each command until the server is back).
    maxRetriesPerRequest: null,
    connectTimeout: 5000,
  };
}
