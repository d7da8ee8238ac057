'use strict';
/**
 * Runs one work item inside an executor's worker (a worker thread of
 * `ThreadPoolExecutor`, a child process of `ProcessPoolExecutor`) and turns
 * the outcome into a plain, structured-cloneable reply. Shared by
 * `thread-worker.cjs` and `process-worker.cjs`.
 *
 * HOW. A work item is one of
 *
 *   { kind: 'source', source, name }    a function's source text (fn.toString())
 *   { kind: 'module', module, export }  a function exported by a module
 *
 * A source is evaluated once per worker (cache keyed by the text, at most
 * 256 entries, oldest dropped) by an *indirect* eval in the worker's global
 * scope, tagged `//# sourceURL=loop-executor-work:<name>` so that its stack
 * frames are recognisable. Indirect eval, not `vm`: `await import('node:fs')`
 * inside the function then works without vm's experimental loader flag.
 * A module is imported once per worker (cache keyed by the specifier).
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
const MAX_CACHED_FUNCTIONS = 256;
const MAX_ERROR_DEPTH = 4;

/** @type {Map<string, Function>} */
const functions = new Map();
/** @type {Map<string, Promise<Record<string, unknown>>>} */
const modules = new Map();
/** Exports already resolved, by `module\0export`: later calls skip the awaits of loading. */
const exportsResolved = new Map();

function compile(source, name) {
  let fn = functions.get(source);
  if (fn === undefined) {
    const tag = encodeURIComponent(name || 'anonymous');
    // Indirect eval: global scope, no access to this module's variables.
    fn = (0, eval)(`(${source})\n//# sourceURL=${SOURCE_URL_PREFIX}${tag}`);
    if (functions.size >= MAX_CACHED_FUNCTIONS) functions.delete(functions.keys().next().value);
    functions.set(source, fn);
  }
  return fn;
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
 * Runs `item` with `args`; never throws. Returns the reply described in the
 * header, or a promise of it when the work (or loading its module) is
 * asynchronous.
 */
function runWork(item, args) {
  let fn;
  try {
    if (item.kind === 'source') {
      fn = compile(item.source, item.name);
    } else {
      fn = exportsResolved.get(`${item.module}\0${item.export}`);
      if (fn === undefined) return resolveThenRun(item, args);
    }
  } catch (err) {
    return failure(err);
  }
  return callWork(item, fn, args);
}

/** The first call of a `{ module, export }`: load the module, then run. */
async function resolveThenRun(item, args) {
  let fn;
  try {
    fn = pickExport(await load(item.module), item.export);
  } catch (err) {
    return failure(err);
  }
  if (typeof fn !== 'function') return { status: 'bad-export', found: fn === undefined ? 'undefined' : typeof fn };
  exportsResolved.set(`${item.module}\0${item.export}`, fn);
  return callWork(item, fn, args);
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

module.exports = { runWork, serializeError, serializeThrown };
