// The export list against asyncio 3.11's __all__ (test/asyncio-all-3.11.json,
// made with `python3 -c "import asyncio, json; print(json.dumps(sorted(asyncio.__all__)))"`).
// Every name is exported under its camelCase spelling, as a value, or as a
// type where asyncio's class is an interface here (checked by the compiler
// through the type imports below), or is listed with the deviation that
// explains its absence; the deviation must be in docs/deviations.md.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as asyncio from '../src/index';
import type {
  AbstractServer,
  BaseTransport,
  DatagramTransport,
  ReadTransport,
  SubprocessTransport,
  Transport,
  WriteTransport,
} from '../src/index';

const PYTHON = JSON.parse(readFileSync(join(__dirname, 'asyncio-all-3.11.json'), 'utf8')) as { python: string; all: string[] };

/** Names whose camelCase is not the mechanical one. */
const SPELLING: Record<string, string> = {
  iscoroutine: 'isCoroutine',
  iscoroutinefunction: 'isCoroutineFunction',
  isfuture: 'isFuture',
  // asyncio's hooks for other loops' tasks, without the private underscore (D99, ADR 0011).
  _enter_task: 'enterTask',
  _leave_task: 'leaveTask',
  _register_task: 'registerTask',
  _unregister_task: 'unregisterTask',
  _get_running_loop: 'peekRunningLoop',
  _set_running_loop: 'setRunningLoop',
};

/** asyncio's abstract classes that are TypeScript interfaces here: exported as types. */
type TypeOnly = [AbstractServer, BaseTransport, DatagramTransport, ReadTransport, SubprocessTransport, Transport, WriteTransport];
const TYPE_ONLY: Record<string, string> = {
  AbstractServer: 'D98',
  BaseTransport: 'D98',
  DatagramTransport: 'D98',
  ReadTransport: 'D98',
  SubprocessTransport: 'D98',
  Transport: 'D98',
  WriteTransport: 'D98',
};

/** Not exported, with the deviation that says why. */
const ABSENT: Record<string, string> = {
  AbstractChildWatcher: 'D97',
  FastChildWatcher: 'D97',
  MultiLoopChildWatcher: 'D97',
  PidfdChildWatcher: 'D97',
  SafeChildWatcher: 'D97',
  ThreadedChildWatcher: 'D97',
  get_child_watcher: 'D97',
  set_child_watcher: 'D97',
};

function camel(name: string): string {
  if (SPELLING[name] !== undefined) return SPELLING[name];
  if (/^[A-Z_]+$/.test(name) || /^[A-Z]/.test(name)) return name; // constants and classes keep their names
  return name.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
}

describe("@loop/asyncio's exports against asyncio 3.11's __all__", () => {
  it('the fixture is asyncio 3.11', () => {
    expect(PYTHON.python).toMatch(/^3\.11\./);
    expect(PYTHON.all.length).toBeGreaterThan(90);
  });

  it('every name of __all__ is exported (as a value, or as a type where asyncio has an abstract class), or is a listed deviation', () => {
    const exported = new Set(Object.keys(asyncio));
    const missing = PYTHON.all.filter((name) => !exported.has(camel(name)) && TYPE_ONLY[name] === undefined && ABSENT[name] === undefined);
    expect(missing).toEqual([]);
  });

  it('no listed deviation or type-only name is stale: each is in __all__ and not exported as a value', () => {
    const all = new Set(PYTHON.all);
    const exported = new Set(Object.keys(asyncio));
    for (const name of [...Object.keys(ABSENT), ...Object.keys(TYPE_ONLY)]) {
      expect([name, all.has(name)]).toEqual([name, true]);
      expect([name, exported.has(camel(name))]).toEqual([name, false]);
    }
    const typeOnly: TypeOnly | null = null;
    expect(typeOnly).toBeNull();
  });

  it('every deviation cited is a row of docs/deviations.md', () => {
    const deviations = readFileSync(join(__dirname, '..', '..', '..', 'docs', 'deviations.md'), 'utf8');
    for (const d of new Set([...Object.values(ABSENT), ...Object.values(TYPE_ONLY)])) {
      expect([d, deviations.includes(`| ${d} |`)]).toEqual([d, true]);
    }
  });

  it('the values are the real ones: functions and classes, not placeholders', () => {
    const values = asyncio as unknown as Record<string, unknown>;
    for (const name of PYTHON.all) {
      const ts = camel(name);
      if (!(ts in values)) continue;
      const v = values[ts];
      if (/^[A-Z_]+$/.test(name)) expect([name, typeof v]).toEqual([name, 'string']);
      else expect([name, typeof v]).toEqual([name, 'function']);
    }
  });
});
