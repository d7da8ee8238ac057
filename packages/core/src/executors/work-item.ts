/**
 * A work item: what `ThreadPoolExecutor` and `ProcessPoolExecutor` send to a
 * worker in place of a function, and the checks made before sending it.
 *
 * HOW. A function cannot cross a thread or process boundary, so it is sent as
 * its source (`fn.toString()`) and evaluated again in the worker, in the
 * worker's global scope; a `{ module, export }` reference is sent as is and
 * imported by the worker (`worker/run-work.cjs`).
 *
 *   submit(fn)                 -> { kind: 'source', source, name, key }
 *   submit({ module, export }) -> { kind: 'module', module, export, key }
 *
 * `key` names the work in one string, `<kind><length>:<first><second>`
 * (`s3:incx => x + 1`: kind `s`, the name `inc` by its length, then the
 * source; `m18:/path/to/work.mjshash`: the module, then the export). A
 * worker thread receives only the key (one string to clone instead of an
 * object of three) and caches the function by it (`worker/run-work.cjs`
 * parses it back on a miss). The length prefix keeps any character, NUL
 * included, legal in names, sources and paths.
 *
 * Checked here, in the parent, so that the error arrives without a round trip:
 * the work is a function or a reference; a function has a source that
 * compiles as an expression (not a native or bound function, not a class);
 * method shorthand (`{ f() {} }.f`, whose source is `f() {}`) is turned into
 * a function expression. The compiled check runs nothing and is cached per
 * function object, so submitting the same function again costs a `WeakMap`
 * lookup. A `{ module, export }` object's item is cached too, per object,
 * and used again while its two fields are unchanged.
 *
 * WHY closures are detected in the worker. Telling whether a function refers
 * to outer variables needs a parser and a list of the worker's globals; instead
 * the worker runs it and reports a `ReferenceError` raised from the work's own
 * source ("x is not defined") as "not self-contained", which
 * {@link notSelfContainedError} words as the `TypeError` that D22 documents.
 * Cost: the function may have run partly before it fails.
 *
 * @packageDocumentation
 */
import { Script } from 'node:vm';
import { isWorkReference, loopError } from '@loop/interfaces';
import type { WorkReference } from '@loop/interfaces';
import { reprValue } from '../internal/format.js';

/** What the worker receives in place of the function. */
export type WorkItem =
  | { readonly kind: 'source'; readonly source: string; readonly name: string; readonly key: string }
  | { readonly kind: 'module'; readonly module: string; readonly export: string; readonly key: string };

const compiled = new WeakMap<Function, WorkItem>();
const referenced = new WeakMap<object, WorkItem & { kind: 'module' }>();

/** The worker key of a work item (see the header): `<kind><first.length>:<first><second>`. */
function workKey(kind: 's' | 'm', first: string, second: string): string {
  return `${kind}${first.length}:${first}${second}`;
}

/** A short description of the work for messages and reprs: `hash`, `/m.js#hash`. */
export function describeWork(item: WorkItem): string {
  return item.kind === 'source' ? item.name || 'anonymous' : `${item.module}#${item.export}`;
}

function invalid(api: string, message: string): TypeError {
  return loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `${api}: ${message}`);
}

/** What kind of value `value` is, for a message: `null`, `an array`, `an object`, or its type and repr. */
function describeKind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${reprValue(value)}`;
}

function sourceOf(api: string, fn: Function): WorkItem | TypeError {
  const name = fn.name;
  const label = name ? `the function ${name}` : 'the function';
  const text = Function.prototype.toString.call(fn);
  if (/\{\s*\[native code\]\s*\}\s*$/.test(text)) {
    return invalid(
      api,
      `${label} cannot be sent to a worker: it is a native or bound function, whose source is not available; submit a self-contained function or a { module, export } reference`,
    );
  }
  if (/^class\b/.test(text)) {
    return invalid(api, `${label} cannot be sent to a worker: it is a class, which cannot be called; submit a function`);
  }
  for (const candidate of [text, methodAsFunction(text)]) {
    if (candidate === null) continue;
    try {
      new Script(`(${candidate})`, { filename: 'loop-executor-work-check' });
      return { kind: 'source', source: candidate, name, key: workKey('s', name, candidate) };
    } catch {
      // Not an expression as written: try the method-shorthand form next.
    }
  }
  return invalid(
    api,
    `${label} cannot be sent to a worker: its source does not compile as a function expression (a getter, setter or computed method?); submit a plain self-contained function or a { module, export } reference`,
  );
}

/** `f() {}` -> `function f() {}`, `async *g() {}` -> `async function *g() {}`; `null` if not a method. */
function methodAsFunction(text: string): string | null {
  const m = /^(async\s+)?(\*?\s*[A-Za-z_$][\w$]*\s*\()/.exec(text);
  if (m === null) return null;
  return `${m[1] ?? ''}function ${text.slice((m[1] ?? '').length)}`;
}

/**
 * Turns the work given to `submit` into a {@link WorkItem}, or returns the
 * `TypeError` / `RangeError` (naming `api`) that says why it cannot be sent.
 */
export function toWorkItem(api: string, work: unknown): WorkItem | Error {
  if (typeof work === 'function') {
    let item: WorkItem | Error | undefined = compiled.get(work);
    if (item === undefined) {
      item = sourceOf(api, work);
      if (!(item instanceof Error)) compiled.set(work, item);
    }
    return item;
  }
  if (isWorkReference(work)) {
    const item = referenced.get(work);
    if (item !== undefined && item.module === work.module && item.export === work.export) return item;
    const fresh = referenceOf(api, work);
    if (!(fresh instanceof Error)) referenced.set(work, fresh);
    return fresh;
  }
  if (work !== null && typeof work === 'object' && ('module' in work || 'export' in work)) {
    return invalid(api, 'a work reference needs a string module and a string export: { module, export }');
  }
  return invalid(api, `the work must be a function or a { module, export } reference, got ${describeKind(work)}`);
}

function referenceOf(api: string, ref: WorkReference): (WorkItem & { kind: 'module' }) | Error {
  const { module } = ref;
  if (module === '' || ref.export === '') {
    return loopError(RangeError, 'ERR_LOOP_OUT_OF_RANGE', `${api}: a work reference needs a non-empty module and export`);
  }
  if (/^\.\.?([/\\]|$)/.test(module)) {
    return loopError(
      RangeError,
      'ERR_LOOP_OUT_OF_RANGE',
      `${api}: the module ${JSON.stringify(module)} is a relative path; it must be an absolute path, a file: URL or a package name`,
    );
  }
  return { kind: 'module', module, export: ref.export, key: workKey('m', module, ref.export) };
}

/** The `TypeError` for a function that refers to `identifier`, which the worker does not have. */
export function notSelfContainedError(api: string, item: WorkItem, identifier: string, cause: unknown): TypeError {
  const err = loopError(
    TypeError,
    'ERR_LOOP_INVALID_ARG',
    `${api}: the function must be self-contained: ${describeWork(item)} refers to ${identifier}, which the worker does not have (a function sent to a worker keeps only its source, not the variables it closes over)`,
  );
  (err as { cause?: unknown }).cause = cause;
  return err;
}

/** The `TypeError` for a `{ module, export }` whose export is missing or not a function. */
export function badExportError(api: string, item: WorkItem, found: string): TypeError {
  const what = found === 'undefined' ? 'has no such export' : `exports a ${found} there, not a function`;
  return loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `${api}: the work reference ${describeWork(item)} ${what}`);
}
