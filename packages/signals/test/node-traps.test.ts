// What removing a handler gives back, in child processes (a signal that
// kills is fatal to the process that gets it): Node's traps around
// SIGPIPE, SIGXFSZ, SIGUSR1, SIGINT and SIGTERM. Each child loads the built
// packages (dist, which turbo builds before the tests) and sends itself real
// signals; each scenario also runs without @loop/signals, with plain
// process.on/off, to show the trap the package avoids is real.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '..');

interface Outcome {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `body` in a child Node process with `loop` (BaseEventLoop + signals) and the helpers below in scope. */
function child(body: string): Outcome {
  const source = `
    const { compose } = require('@loop/interfaces');
    const { BaseEventLoop } = require('@loop/core');
    const { signals } = require('@loop/signals');
    const { pipe } = require('@loop/socket');
    const fs = require('node:fs');
    const loop = new (compose(BaseEventLoop, signals))();
    const say = (s) => fs.writeSync(1, s + '\\n');
    /** Writes to a pipe whose reader is closed; says the error code. */
    const writeToClosedPipe = () => {
      const [r, w] = pipe();
      fs.closeSync(r);
      try { fs.writeSync(w, Buffer.from('x')); say('wrote'); } catch (e) { say(e.code); } finally { fs.closeSync(w); }
    };
    /** Runs the loop until the handler of sig ran once. */
    const handleOnce = async (sig) => {
      const fut = loop.createFuture();
      loop.addSignalHandler(sig, () => { say('handled ' + sig); fut.setResult(null); });
      process.kill(process.pid, sig);
      await loop.runUntilComplete(fut);
    };
    (async () => { ${body} })().catch((e) => { say('error ' + e.stack); process.exitCode = 3; });
  `;
  const r = spawnSync(process.execPath, ['-e', source], { cwd: root, encoding: 'utf8', timeout: 15000 });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

describe('@loop/signals in a child process: what removeSignalHandler gives back', () => {
  it('SIGPIPE stays ignored after a handler came and went: a write to a pipe without reader fails with EPIPE', () => {
    const r = child(`
      writeToClosedPipe();
      await handleOnce('SIGPIPE');
      say('removed ' + loop.removeSignalHandler('SIGPIPE'));
      writeToClosedPipe();
      loop.close();
      say('alive');
    `);
    expect(r).toEqual({ status: 0, signal: null, stdout: 'EPIPE\nhandled SIGPIPE\nremoved true\nEPIPE\nalive\n', stderr: '' });
  });

  it('(the trap) plain process.on/off of SIGPIPE: the next write to a pipe without reader kills Node', () => {
    const r = child(`
      const f = () => {};
      process.on('SIGPIPE', f);
      process.off('SIGPIPE', f);
      writeToClosedPipe();
      say('alive');
    `);
    expect(r.signal).toBe('SIGPIPE');
    expect(r.stdout).toBe('');
  });

  it('SIGUSR1 and SIGXFSZ stay harmless after a handler came and went (Node had caught / ignored them)', () => {
    const r = child(`
      await handleOnce('SIGUSR1');
      await handleOnce('SIGXFSZ');
      loop.removeSignalHandler('SIGUSR1');
      loop.removeSignalHandler('SIGXFSZ');
      process.kill(process.pid, 'SIGUSR1');
      process.kill(process.pid, 'SIGXFSZ');
      await new Promise((resolve) => setTimeout(resolve, 100));
      loop.close();
      say('alive');
    `);
    expect(r).toEqual({ status: 0, signal: null, stdout: 'handled SIGUSR1\nhandled SIGXFSZ\nalive\n', stderr: '' });
  });

  it('(the trap) plain process.on/off of SIGUSR1: the next SIGUSR1 kills Node', () => {
    const r = child(`
      const f = () => {};
      process.on('SIGUSR1', f);
      process.off('SIGUSR1', f);
      process.kill(process.pid, 'SIGUSR1');
      await new Promise((resolve) => setTimeout(resolve, 1000));
      say('alive');
    `);
    expect(r.signal).toBe('SIGUSR1');
  });

  it.each(['SIGINT', 'SIGTERM'] as const)('%s: handled while the handler is there; after removeSignalHandler Node\'s default ends the process by the signal again', (sig) => {
    const r = child(`
      await handleOnce('${sig}');
      say('removed ' + loop.removeSignalHandler('${sig}'));
      loop.close();
      process.kill(process.pid, '${sig}');
      await new Promise((resolve) => setTimeout(resolve, 1000));
      say('alive');
    `);
    expect(r).toEqual({ status: null, signal: sig, stdout: `handled ${sig}\nremoved true\n`, stderr: '' });
  });

  it('close() gives SIGINT back too: the loop closed, the next SIGINT ends the process', () => {
    const r = child(`
      await handleOnce('SIGINT');
      loop.close();
      say('closed');
      process.kill(process.pid, 'SIGINT');
      await new Promise((resolve) => setTimeout(resolve, 1000));
      say('alive');
    `);
    expect(r).toEqual({ status: null, signal: 'SIGINT', stdout: 'handled SIGINT\nclosed\n', stderr: '' });
  });

  it('a handler alone does not keep Node alive: with the loop not running, the process exits', () => {
    const r = child(`
      loop.addSignalHandler('SIGUSR2', () => {});
      say('added');
    `);
    expect(r).toEqual({ status: 0, signal: null, stdout: 'added\n', stderr: '' });
  });
});
