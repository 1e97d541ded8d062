// Chooses the backend: the native addon when it loads, else the TypeScript fallback with the reason.
import type { Backend } from './backend.js';
import { JsBackend } from './js.js';

let cached: Backend | undefined;

export type BackendChoice = 'auto' | 'native' | 'js';

export function getBackend(choice: BackendChoice = 'auto'): Backend {
  if (choice === 'js') return new JsBackend();
  if (cached && choice === 'auto') return cached;
  cached = new JsBackend('native addon not built yet');
  return cached;
}
