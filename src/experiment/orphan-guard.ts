// Loaded with `node --import` into each job process: a watchdog thread kills the process as soon as its parent (the worker) is gone.
import { Worker } from 'node:worker_threads';

// A worker killed with SIGKILL cannot take its children along, and the search's epochs run synchronously, so the
// main thread would never notice. A thread has its own event loop: it polls the parent pid and, once the process has
// been re-parented, ends it with SIGKILL — the same cut that `ace search --resume` is built to continue from.
// Without this a retried job could have two writers in one folder.
const WATCHDOG = `
const { workerData } = require('node:worker_threads');
setInterval(() => { if (process.ppid !== workerData.parent) process.kill(process.pid, 'SIGKILL'); }, workerData.everyMs);
`;

const parent = process.env.ACE_JOB_PARENT_PID;
if (parent !== undefined) {
  // Gone already between spawn and here: nothing to run for.
  if (Number(parent) !== process.ppid) process.kill(process.pid, 'SIGKILL');
  const watchdog = new Worker(WATCHDOG, { eval: true, workerData: { parent: Number(parent), everyMs: 100 } });
  watchdog.unref();
}
