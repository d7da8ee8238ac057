/**
 * The examples on the other default loop: with `LOOP_SOCKET_NO_ADDON=1`,
 * `@loop/socket` does not load its native addon, so `@loop/asyncio`'s
 * default loop is the `ProactorEventLoop` (Node's own handles), as on a
 * platform without the addon. Every example that needs no `@loop/socket`
 * socket or pipe must still print what its Python twin printed; the ones
 * that do (a socketpair, or a subprocess pipe) must stop with the
 * `NotImplementedError` that names the missing addon, as examples/README.md
 * says, not hang or print something else.
 */
import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXAMPLES, normalise } from '../src/examples.js';
import { root, runExample } from './run-example.js';

const NO_ADDON = { LOOP_SOCKET_NO_ADDON: '1' };

/** The examples that need `@loop/socket`'s addon, and what of theirs does. */
const NEEDS_ADDON: Record<string, string> = {
  'watch-fd-read': 'a socketpair and the SelectorEventLoop',
  'selector-event-loop': 'the SelectorEventLoop and a socketpair',
  'open-socket-protocol': 'a socketpair',
  'open-socket-streams': 'a socketpair',
  'subprocess-shell': 'subprocess pipes',
  'subprocess-communicate': 'subprocess pipes',
  'chat-server': 'subprocess pipes',
};

/** The error a `@loop/socket` call throws without the addon, as Node prints it. */
const ADDON_MISSING = /^NotImplementedError: @loop\/socket: \w+\(\): the native addon is not loaded on this platform \(LOOP_SOCKET_NO_ADDON=1\)$/m;

describe("examples without @loop/socket's addon (on the ProactorEventLoop)", () => {
  it('LOOP_SOCKET_NO_ADDON=1 makes the default loop the ProactorEventLoop', () => {
    const probe = [
      "import { defaultBackend, newEventLoop, ProactorEventLoop } from '@loop/asyncio';",
      'const loop = newEventLoop();',
      'console.log(defaultBackend(), loop instanceof ProactorEventLoop);',
      'loop.close();',
    ].join('\n');
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', probe], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, ...NO_ADDON },
    });
    expect({ status: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({ status: 0, stdout: 'proactor true\n', stderr: '' });
  });

  it('every example that needs the addon is listed', () => {
    expect(Object.keys(NEEDS_ADDON).filter((name) => !EXAMPLES.includes(name))).toEqual([]);
  });

  for (const name of EXAMPLES) {
    const needs = NEEDS_ADDON[name];
    if (needs === undefined) {
      it(`${name} - prints what python/${name}.py prints`, async () => {
        const recorded = readFileSync(join(root, 'fixtures', 'python-output', `${name}.txt`), 'utf8');
        const run = await runExample(name, NO_ADDON);
        expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
        expect(normalise(run.stdout)).toBe(recorded);
      }, 60_000);
    } else {
      it(`${name} - stops with NotImplementedError (the addon is needed for ${needs})`, async () => {
        const run = await runExample(name, NO_ADDON);
        expect(run.status).toBe(1);
        expect(run.stdout).toBe('');
        expect(run.stderr).toMatch(ADDON_MISSING);
      }, 60_000);
    }
  }
});
