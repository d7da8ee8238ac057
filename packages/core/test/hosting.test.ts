// How the loop sits on Node's event loop, seen from a real child process:
// a running loop keeps the process alive with nothing scheduled (as a blocked
// run_forever does); a loop that is not running does not. Runs the built
// package (dist), which turbo builds before the tests.
import { spawn } from 'node:child_process';
import { join } from 'node:path';

const entry = join(__dirname, '..', 'dist', 'cjs', 'index.js');

interface ChildResult {
  code: number | null;
  signal: string | null;
  out: string;
  /** With `probeAfterMs`: whether the child was still alive that long after it printed its first line. */
  aliveAfterProbe?: boolean;
}

/**
 * Runs `source` in a child Node. With `probeAfterMs`, once the child has
 * printed its first line, waits that long, records whether it is still
 * running, and ends it. Without, waits for it to exit by itself.
 */
function runChild(source: string, probeAfterMs?: number): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', source], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    let aliveAfterProbe: boolean | undefined;
    let probe: NodeJS.Timeout | null = null;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (probeAfterMs !== undefined && probe === null) {
        probe = setTimeout(() => {
          aliveAfterProbe = child.exitCode === null && child.signalCode === null;
          child.kill('SIGTERM');
        }, probeAfterMs);
      }
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (probe !== null) clearTimeout(probe);
      resolve(probeAfterMs === undefined ? { code, signal, out } : { code, signal, out, aliveAfterProbe });
    });
  });
}

describe('hosting on Node', () => {
  it('a running loop with nothing scheduled - keeps the process alive until stopped', async () => {
    const src = `
      const { BaseEventLoop } = require(${JSON.stringify(entry)});
      const loop = new BaseEventLoop();
      loop.runForever().then(() => console.log('stopped'));
      console.log('running');`;
    const r = await runChild(src, 300);
    expect(r.out).toBe('running\n');
    expect(r.aliveAfterProbe).toBe(true);
    expect(r.signal).toBe('SIGTERM');
  });

  it('a loop stopped from a Node timer - lets the process exit by itself', async () => {
    const src = `
      const { BaseEventLoop } = require(${JSON.stringify(entry)});
      const loop = new BaseEventLoop();
      setTimeout(() => loop.stop(), 50);
      loop.runForever().then(() => console.log('stopped'));`;
    const r = await runChild(src);
    expect(r).toEqual({ code: 0, signal: null, out: 'stopped\n' });
  });

  it('a loop that is not running - does not keep the process alive, even with work scheduled', async () => {
    const src = `
      const { BaseEventLoop } = require(${JSON.stringify(entry)});
      const loop = new BaseEventLoop();
      loop.callSoon(() => console.log('never'));
      loop.callLater(3600, () => console.log('never'));
      console.log('created');`;
    const r = await runChild(src);
    expect(r).toEqual({ code: 0, signal: null, out: 'created\n' });
  });
});
