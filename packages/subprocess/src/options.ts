/**
 * The options of `subprocessExec` / `subprocessShell`, checked and turned
 * into a plan for `child_process.spawn` (`spawn.ts`).
 *
 * HOW: each stream option becomes one of five kinds — a new pipe, a
 * descriptor of the parent, `/dev/null`, inherit, or (stderr only) "same as
 * stdout" — and the other options are checked as asyncio and `Popen` check
 * them: the text-mode keywords and `bufsize` are refused with a
 * `RangeError` (asyncio's `ValueError`), a value of the wrong type with a
 * `TypeError`. Every error is coded and names the call and the option.
 *
 * @packageDocumentation
 */
import { loopError, type SubprocessOptions, type SubprocessStdio } from '@loop/interfaces';
import { DEVNULL, PIPE, STDOUT } from './constants.js';

/** What one standard stream of the child is connected to. */
export type StdioPlan =
  | { readonly kind: 'pipe' }
  | { readonly kind: 'fd'; readonly fd: number }
  | { readonly kind: 'devnull' }
  | { readonly kind: 'inherit' }
  | { readonly kind: 'stdout' };

/** Everything `spawnChild` needs, checked. */
export interface SpawnPlan {
  /** The program to run (`/bin/sh` for a shell command). */
  readonly file: string;
  /** Its arguments, without the program. */
  readonly args: readonly string[];
  /** The streams 0, 1, 2. */
  readonly stdio: readonly [StdioPlan, StdioPlan, StdioPlan];
  readonly cwd: string | undefined;
  readonly env: Record<string, string> | undefined;
  readonly detached: boolean;
  readonly uid: number | undefined;
  readonly gid: number | undefined;
  /** Descriptors to keep at their own number in the child. */
  readonly passFds: readonly number[];
}

const KNOWN = new Set([
  'stdin',
  'stdout',
  'stderr',
  'cwd',
  'env',
  'startNewSession',
  'uid',
  'gid',
  'passFds',
  'universalNewlines',
  'text',
  'encoding',
  'errors',
  'bufsize',
  'shell',
]);

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function invalid(api: string, message: string): TypeError {
  return loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `${api}(): ${message}`);
}

function outOfRange(api: string, message: string): RangeError {
  return loopError(RangeError, 'ERR_LOOP_OUT_OF_RANGE', `${api}(): ${message}`);
}

function checkString(api: string, what: string, value: unknown): string {
  if (typeof value !== 'string') throw invalid(api, `${what} must be a string, not ${typeName(value)}`);
  if (value.includes('\0')) throw outOfRange(api, `${what} must not contain a null byte`);
  return value;
}

function descriptorOf(api: string, name: string, value: object): number {
  let fd: unknown;
  const fileno = (value as { fileno?: unknown }).fileno;
  if (typeof fileno === 'function') {
    try {
      fd = (fileno as () => unknown).call(value);
    } catch (cause) {
      const err = outOfRange(api, `${name}: fileno() failed`);
      (err as { cause?: unknown }).cause = cause;
      throw err;
    }
  } else if ('fd' in value) {
    fd = (value).fd;
  } else {
    throw invalid(api, `${name} must be PIPE, DEVNULL, STDOUT, a file descriptor, an object with fileno() or fd, or null, not an object without either`);
  }
  if (typeof fd !== 'number' || !Number.isInteger(fd) || fd < 0) {
    throw outOfRange(api, `${name}: invalid file descriptor ${String(fd)}`);
  }
  return fd;
}

function stdioPlan(api: string, name: 'stdin' | 'stdout' | 'stderr', value: SubprocessStdio | undefined): StdioPlan {
  if (value === undefined || value === PIPE) return { kind: 'pipe' };
  if (value === null) return { kind: 'inherit' };
  if (value === DEVNULL) return { kind: 'devnull' };
  if (value === STDOUT) {
    if (name !== 'stderr') throw outOfRange(api, `${name} cannot be STDOUT (-2): only stderr can go into stdout`);
    return { kind: 'stdout' };
  }
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < 0) {
      throw outOfRange(api, `${name} must be PIPE (-1), STDOUT (-2), DEVNULL (-3) or a file descriptor (>= 0), not ${value}`);
    }
    return { kind: 'fd', fd: value };
  }
  if (typeof value === 'object') return { kind: 'fd', fd: descriptorOf(api, name, value) };
  throw invalid(api, `${name} must be PIPE, DEVNULL, STDOUT, a file descriptor, an object with fileno() or fd, or null, not ${typeName(value)}`);
}

function checkId(api: string, name: string, value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number') throw invalid(api, `${name} must be a number, not ${typeName(value)}`);
  if (!Number.isInteger(value) || value < 0) throw outOfRange(api, `${name} must be an integer >= 0, not ${value}`);
  return value;
}

/**
 * Checks `options` of `api` and returns the spawn plan for `file` / `args`.
 * `shell` tells which call it is (`subprocessShell`: `true`).
 *
 * @throws TypeError / RangeError (coded) for a bad option.
 */
export function planSpawn(api: string, file: string, args: readonly string[], shell: boolean, options: SubprocessOptions | null | undefined): SpawnPlan {
  if (options === undefined || options === null) options = {};
  else if (typeof options !== 'object' || Array.isArray(options)) throw invalid(api, `options must be an object or null, not ${typeName(options)}`);
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) throw invalid(api, `unknown option ${JSON.stringify(key)}`);
  }
  const o = options;
  // asyncio's refusals, in base_events.subprocess_exec's order.
  if (o.universalNewlines === true) throw outOfRange(api, 'universalNewlines must be false');
  if (shell) {
    if (o.shell === false) throw outOfRange(api, 'shell must be true');
  } else if (o.shell === true) {
    throw outOfRange(api, 'shell must be false');
  }
  if (o.bufsize !== undefined && o.bufsize !== 0) throw outOfRange(api, 'bufsize must be 0');
  if (o.text === true) throw outOfRange(api, 'text must be false');
  if (o.encoding !== undefined && o.encoding !== null) throw outOfRange(api, 'encoding must be null');
  if (o.errors !== undefined && o.errors !== null) throw outOfRange(api, 'errors must be null');

  const stdio: [StdioPlan, StdioPlan, StdioPlan] = [stdioPlan(api, 'stdin', o.stdin), stdioPlan(api, 'stdout', o.stdout), stdioPlan(api, 'stderr', o.stderr)];

  let cwd: string | undefined;
  if (o.cwd !== undefined && o.cwd !== null) cwd = checkString(api, 'cwd', o.cwd);

  let env: Record<string, string> | undefined;
  if (o.env !== undefined && o.env !== null) {
    if (typeof o.env !== 'object') throw invalid(api, `env must be an object or null, not ${typeName(o.env)}`);
    env = {};
    for (const [k, v] of Object.entries(o.env)) {
      if (v === undefined) continue;
      checkString(api, `env key ${JSON.stringify(k)}`, k);
      if (k === '' || k.includes('=')) throw outOfRange(api, `illegal environment variable name ${JSON.stringify(k)}`);
      env[k] = checkString(api, `env[${JSON.stringify(k)}]`, v);
    }
  }

  const passFds: number[] = [];
  if (o.passFds !== undefined && o.passFds !== null) {
    if (!Array.isArray(o.passFds)) throw invalid(api, `passFds must be an array of file descriptors, not ${typeName(o.passFds)}`);
    for (const fd of o.passFds as unknown[]) {
      if (typeof fd !== 'number' || !Number.isInteger(fd) || fd < 0) throw outOfRange(api, `passFds: invalid file descriptor ${String(fd)}`);
      if (fd > 2 && !passFds.includes(fd)) passFds.push(fd);
    }
    passFds.sort((a, b) => a - b);
  }

  if (o.startNewSession !== undefined && typeof o.startNewSession !== 'boolean') {
    throw invalid(api, `startNewSession must be a boolean, not ${typeName(o.startNewSession)}`);
  }

  return {
    file,
    args,
    stdio,
    cwd,
    env,
    detached: o.startNewSession === true,
    uid: checkId(api, 'uid', o.uid),
    gid: checkId(api, 'gid', o.gid),
    passFds,
  };
}

/** Checks `subprocessExec`'s program and arguments. */
export function checkExecArgs(api: string, program: unknown, args: unknown): [string, string[]] {
  const file = checkString(api, 'program', program);
  if (args === undefined || args === null) return [file, []];
  if (!Array.isArray(args)) throw invalid(api, `args must be an array of strings, not ${typeName(args)}`);
  return [file, (args as unknown[]).map((a, i) => checkString(api, `args[${i}]`, a))];
}

/** Checks `subprocessShell`'s command. */
export function checkShellCommand(api: string, cmd: unknown): string {
  // asyncio: ValueError("cmd must be a string"); a TypeError by this library's rule.
  return checkString(api, 'cmd', cmd);
}
