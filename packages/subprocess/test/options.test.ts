// The option checks and the spawn plan (options.ts), without spawning.
import { describe, expect, it } from '@jest/globals';
import { DEVNULL, PIPE, STDOUT } from '../src/index.js';
import { checkExecArgs, checkShellCommand, planSpawn } from '../src/options.js';

const range = expect.objectContaining({ name: 'RangeError', code: 'ERR_LOOP_OUT_OF_RANGE' });
const type = expect.objectContaining({ name: 'TypeError', code: 'ERR_LOOP_INVALID_ARG' });

describe('planSpawn', () => {
  it('defaults every stream to a pipe; null and undefined options are no options', () => {
    for (const options of [undefined, null, {}]) {
      const plan = planSpawn('subprocessExec', 'ls', ['-l'], false, options);
      expect(plan.stdio).toEqual([{ kind: 'pipe' }, { kind: 'pipe' }, { kind: 'pipe' }]);
      expect(plan).toMatchObject({ file: 'ls', args: ['-l'], cwd: undefined, env: undefined, detached: false, passFds: [] });
    }
  });

  it('maps each kind of stream', () => {
    const plan = planSpawn('subprocessExec', 'x', [], false, { stdin: DEVNULL, stdout: { fileno: () => 5 }, stderr: STDOUT });
    expect(plan.stdio).toEqual([{ kind: 'devnull' }, { kind: 'fd', fd: 5 }, { kind: 'stdout' }]);
    expect(planSpawn('subprocessExec', 'x', [], false, { stdin: null, stdout: 7, stderr: { fd: 9 } }).stdio).toEqual([
      { kind: 'inherit' },
      { kind: 'fd', fd: 7 },
      { kind: 'fd', fd: 9 },
    ]);
    expect(planSpawn('subprocessExec', 'x', [], false, { stdout: PIPE }).stdio[1]).toEqual({ kind: 'pipe' });
  });

  it('refuses what asyncio refuses, with its messages in JavaScript spelling', () => {
    const cases: [object, string][] = [
      [{ universalNewlines: true }, 'universalNewlines must be false'],
      [{ shell: true }, 'shell must be false'],
      [{ bufsize: 4096 }, 'bufsize must be 0'],
      [{ text: true }, 'text must be false'],
      [{ encoding: 'utf-8' }, 'encoding must be null'],
      [{ errors: 'strict' }, 'errors must be null'],
    ];
    for (const [options, message] of cases) {
      expect(() => planSpawn('subprocessExec', 'x', [], false, options)).toThrow(range);
      expect(() => planSpawn('subprocessExec', 'x', [], false, options)).toThrow(`subprocessExec(): ${message}`);
    }
    expect(() => planSpawn('subprocessShell', '/bin/sh', [], true, { shell: false })).toThrow('subprocessShell(): shell must be true');
    expect(planSpawn('subprocessShell', '/bin/sh', [], true, { shell: true }).file).toBe('/bin/sh');
  });

  it('rejects bad values with coded errors naming the call and the option', () => {
    expect(() => planSpawn('f', 'x', [], false, { stdin: STDOUT })).toThrow('f(): stdin cannot be STDOUT (-2): only stderr can go into stdout');
    expect(() => planSpawn('f', 'x', [], false, { stdout: STDOUT })).toThrow(range);
    expect(() => planSpawn('f', 'x', [], false, { stdout: -4 })).toThrow(range);
    expect(() => planSpawn('f', 'x', [], false, { stdout: 1.5 })).toThrow(range);
    expect(() => planSpawn('f', 'x', [], false, { stdout: 'pipe' as never })).toThrow(type);
    expect(() => planSpawn('f', 'x', [], false, { stdout: {} as never })).toThrow(type);
    expect(() => planSpawn('f', 'x', [], false, { stdout: { fileno: () => -1 } })).toThrow('f(): stdout: invalid file descriptor -1');
    expect(() => planSpawn('f', 'x', [], false, { cwd: 5 as never })).toThrow(type);
    expect(() => planSpawn('f', 'x', [], false, { cwd: 'a\0b' })).toThrow(range);
    expect(() => planSpawn('f', 'x', [], false, { env: { 'A=B': 'x' } })).toThrow(range);
    expect(() => planSpawn('f', 'x', [], false, { env: { A: 5 as never } })).toThrow(type);
    expect(() => planSpawn('f', 'x', [], false, { passFds: 3 as never })).toThrow(type);
    expect(() => planSpawn('f', 'x', [], false, { uid: -1 })).toThrow(range);
    expect(() => planSpawn('f', 'x', [], false, { gid: '0' as never })).toThrow(type);
    expect(() => planSpawn('f', 'x', [], false, { startNewSession: 1 as never })).toThrow(type);
    expect(() => planSpawn('f', 'x', [], false, { preexecFn: () => {} } as never)).toThrow('f(): unknown option "preexecFn"');
    expect(() => planSpawn('f', 'x', [], false, 5 as never)).toThrow(type);
  });

  it('keeps env values given, drops undefined ones; passFds sorted, deduplicated, 0-2 dropped', () => {
    const plan = planSpawn('f', 'x', [], false, { env: { A: '1', B: undefined }, passFds: [9, 4, 9, 1] });
    expect(plan.env).toEqual({ A: '1' });
    expect(plan.passFds).toEqual([4, 9]);
  });
});

describe('checkExecArgs / checkShellCommand', () => {
  it('takes strings only', () => {
    expect(checkExecArgs('f', 'ls', undefined)).toEqual(['ls', []]);
    expect(checkExecArgs('f', 'ls', ['-l', ''])).toEqual(['ls', ['-l', '']]);
    expect(() => checkExecArgs('f', 5, [])).toThrow(type);
    expect(() => checkExecArgs('f', 'ls', '-l')).toThrow(type);
    expect(() => checkExecArgs('f', 'ls', [null])).toThrow('f(): args[0] must be a string, not null');
    expect(checkShellCommand('f', '')).toBe('');
    expect(() => checkShellCommand('f', Buffer.from('ls'))).toThrow(type);
  });
});
