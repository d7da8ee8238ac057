/**
 * Where the executors' worker scripts are: `worker/*.cjs` at the root of the
 * `@loop/core` package.
 *
 * WHY plain `.cjs` outside `src`. A worker thread or child process loads its
 * script with plain Node: it cannot run the TypeScript sources that jest
 * tests, and the same script must serve the ESM and the CJS builds. So the
 * worker scripts are hand-written CommonJS, shipped as they are (`files` in
 * package.json), and found relative to this module: `src/executors/` under
 * jest, `dist/{esm,cjs}/executors/` when built — different depths, so the
 * lookup walks up to the directory that holds `worker/run-work.cjs`.
 *
 * This module's own path: `__filename` in CommonJS (the CJS build, jest);
 * the ESM build has no `__filename` and cannot mention `import.meta` (the CJS
 * build would not compile), so it reads the file of the first frame of a
 * structured stack trace, which V8 gives as this module's `file:` URL.
 *
 * @packageDocumentation
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RuntimeError } from '@loop/interfaces';

let cached: string | undefined;

function thisFile(): string {
  if (typeof __filename === 'string') return __filename;
  const saved = Error.prepareStackTrace;
  try {
    Error.prepareStackTrace = (_err, frames) => frames;
    const frames = new Error().stack as unknown as NodeJS.CallSite[];
    const file = frames[0]?.getFileName() ?? '';
    return file.startsWith('file:') ? fileURLToPath(file) : file;
  } finally {
    Error.prepareStackTrace = saved;
  }
}

/** The directory that holds the worker scripts (`.../@loop/core/worker`). */
export function workerDir(): string {
  if (cached !== undefined) return cached;
  const start = dirname(thisFile());
  for (let dir = start, i = 0; i < 6; i++, dir = dirname(dir)) {
    if (existsSync(join(dir, 'worker', 'run-work.cjs'))) return (cached = join(dir, 'worker'));
  }
  throw new RuntimeError(`@loop/core: the executor worker scripts (worker/run-work.cjs) were not found above ${start}`);
}

/** The absolute path of the worker script `name` (`thread-worker.cjs`, `process-worker.cjs`). */
export function workerFile(name: string): string {
  return join(workerDir(), name);
}
