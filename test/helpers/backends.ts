// The backends a suite runs on (ACE_TEST_BACKENDS, default js,native): one describe per backend, as MLX runs its suite per device.
import { describe } from 'node:test';
import type { Backend } from '../../src/engine/backend/backend.js';
import { JsBackend } from '../../src/engine/backend/js.js';
import { getBackend } from '../../src/engine/backend/select.js';

export type TestBackendName = 'js' | 'native';

const NAMES: readonly TestBackendName[] = Object.freeze(['js', 'native']);

export interface TestBackend {
  name: TestBackendName;
  /** Builds the backend; for native it throws the loader's reason when the addon is unavailable. */
  make: () => Backend;
  /** A skip reason, or false when the suite runs (always false for native when the addon is required). */
  skip: string | false;
}

/**
 * Whether a missing native addon is a failure rather than a skip: ACE_REQUIRE_NATIVE=1, or CI=true (the CI machine
 * installs OpenBLAS, so no addon there means a broken build); ACE_REQUIRE_NATIVE=0 turns it off. Same rule as
 * scripts/build-native.mjs.
 */
export function nativeRequired(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.ACE_REQUIRE_NATIVE === '0') return false;
  return env.ACE_REQUIRE_NATIVE === '1' || env.CI === 'true';
}

/** The backends named by ACE_TEST_BACKENDS (comma-separated; default both), in that order. */
export function testBackendNames(env: NodeJS.ProcessEnv = process.env): TestBackendName[] {
  const raw = env.ACE_TEST_BACKENDS?.trim();
  if (!raw) return [...NAMES];
  const names = raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const n of names) {
    if (!(NAMES as readonly string[]).includes(n)) throw new Error(`ACE_TEST_BACKENDS: unknown backend '${n}' (expected ${NAMES.join(', ')})`);
  }
  return [...new Set(names as TestBackendName[])];
}

/** Why the native backend cannot run here, or false when its addon loads. */
export function nativeUnavailable(): string | false {
  const auto = getBackend('auto');
  return auto.info.name === 'native' ? false : `native addon unavailable: ${auto.info.fallbackReason ?? 'unknown reason'}`;
}

/**
 * The skip reason for native-only suites: ACE_TEST_BACKENDS leaves native out, or the addon is unavailable and not
 * required. When it is required the suite runs anyway, so getBackend('native') throws its reason and the suite fails.
 */
export function nativeSkip(env: NodeJS.ProcessEnv = process.env): string | false {
  if (!testBackendNames(env).includes('native')) return 'ACE_TEST_BACKENDS leaves native out';
  const missing = nativeUnavailable();
  return missing && !nativeRequired(env) ? missing : false;
}

export function testBackends(env: NodeJS.ProcessEnv = process.env): TestBackend[] {
  return testBackendNames(env).map((name): TestBackend => {
    if (name === 'js') return { name, make: () => new JsBackend(), skip: false };
    return { name, make: () => getBackend('native'), skip: nativeSkip(env) };
  });
}

/** Declares `body`'s tests once per test backend, inside `describe('backend <name>')`. */
export function forEachBackend(body: (backend: Backend, name: TestBackendName) => void): void {
  for (const { name, make, skip } of testBackends()) {
    describe(`backend ${name}`, { skip }, () => body(make(), name));
  }
}
