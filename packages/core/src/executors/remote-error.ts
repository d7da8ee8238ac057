/**
 * Errors that crossed from a worker: the plain shape `worker/run-work.cjs`
 * sends, and how the parent rebuilds a real `Error` from it.
 *
 * HOW. Structured clone keeps only the message and stack of an error (and
 * loses `code`, `cause` and the name of a subclass), so the worker sends
 * `{ name, message, stack, props, cause?, errors? }` and {@link rebuildError}
 * makes an instance of the matching built-in class (`TypeError`,
 * `RangeError`..., else `Error`) with the same `name`, `message`, `stack`
 * (the worker's, whose frames point into the worker) and own properties
 * (`code`, `errno`, `syscall`...), and rebuilds `cause` and an
 * `AggregateError`'s `errors` the same way.
 *
 * @packageDocumentation
 */

/** An error as the worker sends it. */
export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  props: Record<string, unknown>;
  cause?: SerializedThrown;
  errors?: SerializedThrown[];
}

/** Anything thrown: an error, or another value (cloned, or its `String()`). */
export type SerializedThrown = { error: SerializedError } | { value: unknown };

const BUILTINS: Record<string, new (message?: string) => Error> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};

/** Rebuilds an `Error` of the same class name, message, stack and own properties. */
export function rebuildError(data: SerializedError): Error {
  const err =
    data.name === 'AggregateError' && data.errors !== undefined
      ? new AggregateError(data.errors.map(rebuildThrown), data.message)
      : new (Object.hasOwn(BUILTINS, data.name) ? BUILTINS[data.name] : Error)(data.message);
  if (err.name !== data.name) {
    Object.defineProperty(err, 'name', { value: data.name, enumerable: false, configurable: true, writable: true });
  }
  if (data.stack !== undefined) {
    Object.defineProperty(err, 'stack', { value: data.stack, enumerable: false, configurable: true, writable: true });
  }
  for (const [key, value] of Object.entries(data.props)) {
    (err as unknown as Record<string, unknown>)[key] = value;
  }
  if (data.cause !== undefined) {
    Object.defineProperty(err, 'cause', {
      value: rebuildThrown(data.cause),
      enumerable: false,
      configurable: true,
      writable: true,
    });
  }
  return err;
}

/** Rebuilds whatever was thrown: an `Error` via {@link rebuildError}, else the value. */
export function rebuildThrown(data: SerializedThrown): unknown {
  return 'error' in data ? rebuildError(data.error) : data.value;
}
