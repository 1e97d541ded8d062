// Chooses the backend: the native addon when it loads, else the TypeScript fallback carrying the reason.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../../util/errors.js';
import type { Backend } from './backend.js';
import { JsBackend } from './js.js';
import { NativeBackend, loadNativeAddon, type NativeAddon } from './native.js';

export type BackendChoice = 'auto' | 'native' | 'js';

export const BACKEND_CHOICES: readonly BackendChoice[] = Object.freeze(['auto', 'native', 'js']);

export interface BackendOptions {
  /** The addon file; defaults to native/build/Release/ace_native.node of this package. */
  addonPath?: string;
  /** Passed to setThreads when given (the native backend; the JS backend is single-threaded). */
  threads?: number;
}

/** The package's addon path, found by walking up from this module (works from src/ under tsx and from dist/). */
export function defaultAddonPath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'native', 'build', 'Release', 'ace_native.node');
    const up = dirname(dir);
    if (up === dir) return join(dirname(fileURLToPath(import.meta.url)), 'ace_native.node');
    dir = up;
  }
}

// A loaded shared library lives as long as the process, so remembering the load outcome per path is safe.
const loads = new Map<string, NativeAddon | string>();

function tryLoad(path: string): NativeAddon | string {
  let got = loads.get(path);
  if (got === undefined) {
    if (!existsSync(path)) got = `native addon not built (${path} missing; run node scripts/build-native.mjs)`;
    else {
      try {
        got = loadNativeAddon(path);
      } catch (err) {
        got = (err as Error).message;
      }
    }
    loads.set(path, got);
  }
  return got;
}

export function isBackendChoice(s: string): s is BackendChoice {
  return (BACKEND_CHOICES as readonly string[]).includes(s);
}

/**
 * 'js' → the TypeScript backend; 'auto' → native when the addon loads, else JS with info.fallbackReason;
 * 'native' → the native backend or a UsageError saying why not (asked for explicitly, so no silent fallback).
 */
export function getBackend(choice: BackendChoice = 'auto', options: BackendOptions = {}): Backend {
  if (!isBackendChoice(choice)) throw new UsageError(`unknown backend '${String(choice)}' (expected ${BACKEND_CHOICES.join(', ')})`);
  let backend: Backend;
  if (choice === 'js') backend = new JsBackend();
  else {
    const got = tryLoad(options.addonPath ?? defaultAddonPath());
    if (typeof got === 'string') {
      if (choice === 'native') throw new UsageError(`native backend requested but unavailable: ${got}`);
      backend = new JsBackend(got);
    } else backend = new NativeBackend(got);
  }
  if (options.threads !== undefined) backend.setThreads(options.threads);
  return backend;
}
