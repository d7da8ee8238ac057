'use strict';
/**
 * Runs one work item inside an executor's worker (a worker thread of
 * `ThreadPoolExecutor`, a child process of `ProcessPoolExecutor`) and turns
 * the outcome into a plain, structured-cloneable reply. Shared by
 * `thread-worker.cjs` and `process-worker.cjs`.
 *
 * HOW. The parent names the work by its key (`src/executors/work-item.ts`),
 * one string `<kind><length>:<first><second>`:
 *
 *   s<name.length>:<name><source>     a function's source text (fn.toString())
 *   m<module.length>:<module><export> a function exported by a module
 *
 * `resolveWork(key)` gives `{ item, fn }`, cached by the key (at most 1024
 * entries, oldest dropped), so a repeated submission costs one map lookup.
 * On a miss the key is parsed back into the item. A source is evaluated by
 * an *indirect* eval in the worker's global scope, tagged
 * `//# sourceURL=loop-executor-work:<name>` so that its stack frames are
 * recognisable. Indirect eval, not `vm`: `await import('node:fs')` inside the
 * function then works without vm's experimental loader flag. A module is
 * imported once per worker (cache keyed by the specifier); its first
 * resolution is asynchronous, later ones are not.
 *
 * The reply is `{ status, ... }`:
 *
 *   'ok'                 value                     the (awaited) result
 *   'error'              error: SerializedError    the function threw
 *   'thrown'             value                     it threw a non-Error
 *   'not-self-contained' identifier, error         see below
 *   'bad-export'         found                     export missing / not a function
 *
 * WHY detect closures here. Whether a function refers to outer variables
 * cannot be told from its text without a full JavaScript parser (a free
 * identifier may be a global of the worker: `Math`, `process`, `fetch`). So
 * the function simply runs, and a `ReferenceError: x is not defined` whose
 * first stack frame lies in the work's own source is reported as "not
 * self-contained: refers to x". The parent words the `TypeError`. A name
 * that the worker happens to have as a global is not detected; `require`,
 * `module` and `__dirname` are not globals, so a function that uses them is
 * reported too (use `await import(...)`).
 *
 * Errors cross as plain objects (name, message, stack, cause, the
 * primitive own properties such as `code`), because structured clone keeps
 * only the message and stack of built-in error types.
 */
const { createRequire, isBuiltin } = require('node:module');
const path = require('node:path');
const { pathToFileURL } = require('node:url');

const SOURCE_URL_PREFIX = 'loop-executor-work:';
const MAX_CACHED_WORKS = 1024;
const MAX_ERROR_DEPTH = 4;

/** @type {Map<string, { item: object, fn: Function }>} resolved work by key */
const works = new Map();
/** @type {Map<string, Promise<Record<string, unknown>>>} */
const modules = new Map();

/** The work item a key names (the inverse of `workKey` in work-item.ts). */
function parseKey(key) {
  const colon = key.indexOf(':');
  const end = colon + 1 + Number(key.slice(1, colon));
  const first = key.slice(colon + 1, end);
  const second = key.slice(end);
  return key[0] === 's'
    ? { kind: 'source', name: first, source: second }
    : { kind: 'module', module: first, export: second };
}

function remember(key, work) {
  if (works.size >= MAX_CACHED_WORKS) works.delete(works.keys().next().value);
  works.set(key, work);
  return work;
}

function compile(source, name) {
  const tag = encodeURIComponent(name || 'anonymous');
  // Indirect eval: global scope, no access to this module's variables.
  return (0, eval)(`(${source})\n//# sourceURL=${SOURCE_URL_PREFIX}${tag}`);
}

/**
 * The specifier to import: a `file:` URL or a built-in as is, an absolute path
 * as a `file:` URL, a package name resolved from the current working
 * directory. A package that only exports an `import` condition cannot be
 * resolved by `require.resolve`; it is then imported by name, which resolves
 * it from this file's location.
 */
function toSpecifier(module) {
  if (module.startsWith('file:') || isBuiltin(module)) return module;
  if (path.isAbsolute(module)) return pathToFileURL(module).href;
  try {
    return pathToFileURL(createRequire(path.join(process.cwd(), 'noop.js')).resolve(module)).href;
  } catch (err) {
    if (err && err.code === 'ERR_PACKAGE_PATH_NOT_EXPORTED') return module;
    throw err;
  }
}

function load(module) {
  let ns = modules.get(module);
  if (ns === undefined) {
    ns = (async () => import(toSpecifier(module)))();
    modules.set(module, ns);
    // A module that failed to load is tried again by the next submission.
    ns.catch(() => modules.delete(module));
  }
  return ns;
}

function pickExport(ns, name) {
  if (name in ns) return ns[name];
  // A CommonJS module whose named exports the ESM loader could not detect.
  const cjs = ns.default;
  if (cjs !== null && (typeof cjs === 'object' || typeof cjs === 'function') && name in cjs) return cjs[name];
  return undefined;
}

function isErrorLike(value) {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof value.message === 'string' &&
    (typeof value.name === 'string' || typeof value.stack === 'string')
  );
}

/** An error as a plain, cloneable object. */
function serializeError(err, depth = 0) {
  const out = {
    name: typeof err.name === 'string' ? err.name : 'Error',
    message: err.message,
    stack: typeof err.stack === 'string' ? err.stack : undefined,
    props: {},
  };
  for (const key of Object.keys(err)) {
    const v = err[key];
    if (v === null || ['string', 'number', 'boolean', 'bigint', 'undefined'].includes(typeof v)) out.props[key] = v;
  }
  if (depth < MAX_ERROR_DEPTH) {
    if ('cause' in err) out.cause = serializeThrown(err.cause, depth + 1);
    if (Array.isArray(err.errors)) out.errors = err.errors.map((e) => serializeThrown(e, depth + 1));
  }
  return out;
}

/** Anything thrown, as `{ error }` (an Error) or `{ value }` (anything else). */
function serializeThrown(value, depth = 0) {
  if (isErrorLike(value)) return { error: serializeError(value, depth) };
  try {
    return { value: structuredClone(value) };
  } catch {
    return { value: String(value) };
  }
}

function firstFrame(stack) {
  if (typeof stack !== 'string') return '';
  const line = stack.split('\n').find((l) => l.trimStart().startsWith('at '));
  return line === undefined ? '' : line;
}

function notSelfContained(err) {
  if (!(err instanceof ReferenceError)) return null;
  const m = /^(\S+) is not defined$/.exec(err.message);
  if (m === null || !firstFrame(err.stack).includes(SOURCE_URL_PREFIX)) return null;
  return m[1];
}

/**
 * The work a key names: `{ item, fn }` at once when cached or a source; the
 * first time for a module, a promise of `{ item, fn }` or of a failure reply
 * (the module failed to load, `bad-export`). A failure reply, not a throw,
 * when the source does not evaluate. Never throws.
 */
function resolveWork(key) {
  const cached = works.get(key);
  if (cached !== undefined) return cached;
  const item = parseKey(key);
  if (item.kind === 'module') return resolveModule(key, item);
  try {
    return remember(key, { item, fn: compile(item.source, item.name) });
  } catch (err) {
    return failure(err);
  }
}

/** The first resolution of a `{ module, export }`: load the module, pick the export. */
async function resolveModule(key, item) {
  let fn;
  try {
    fn = pickExport(await load(item.module), item.export);
  } catch (err) {
    return failure(err);
  }
  if (typeof fn !== 'function') return { status: 'bad-export', found: fn === undefined ? 'undefined' : typeof fn };
  return remember(key, { item, fn });
}

/**
 * Runs the work named by `key` with `args`; never throws. Returns the reply
 * described in the header, or a promise of it when the work (or loading its
 * module) is asynchronous.
 */
function runWork(key, args) {
  const work = resolveWork(key);
  if (work.fn !== undefined) return callWork(work.item, work.fn, args);
  if (typeof work.then !== 'function') return work;
  return work.then((w) => (w.fn !== undefined ? callWork(w.item, w.fn, args) : w));
}

/** Calls the work: a plain result is a reply at once; a promise, a promise of one. */
function callWork(item, fn, args) {
  let result;
  try {
    result = fn(...args);
  } catch (err) {
    return workFailure(item, err);
  }
  if (result !== null && typeof result === 'object' && typeof result.then === 'function') {
    return Promise.resolve(result).then(
      (value) => ({ status: 'ok', value }),
      (err) => workFailure(item, err),
    );
  }
  return { status: 'ok', value: result };
}

function workFailure(item, err) {
  const identifier = item.kind === 'source' ? notSelfContained(err) : null;
  if (identifier !== null) return { status: 'not-self-contained', identifier, error: serializeError(err) };
  return failure(err);
}

function failure(err) {
  const thrown = serializeThrown(err);
  return 'error' in thrown ? { status: 'error', error: thrown.error } : { status: 'thrown', value: thrown.value };
}

module.exports = { resolveWork, runWork, workFailure, serializeError, serializeThrown };
