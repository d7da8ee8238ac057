// Importing @loop/asyncio makes the platform's full loop the default: here,
// where @loop/socket's addon loads, the selector loop with net, subprocess and
// signals; in a child process with the addon left unloaded
// (LOOP_SOCKET_NO_ADDON=1, as on a platform without a build), the proactor
// loop, from the ESM and the CommonJS build alike. Each program does real I/O.
import { execFileSync } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import {
  CancelledError,
  ProactorEventLoop,
  SelectorEventLoop,
  defaultBackend,
  getEventLoop,
  newEventLoop,
  openConnection,
  run,
  setEventLoop,
  startServer,
  type EventLoop,
} from '../src/index';

const pkg = join(__dirname, '..');

/** A TCP echo through startServer/openConnection, then a subprocess and a signal handler, on the default loop. */
const PROGRAM = `
const server = await a.startServer(async (r, w) => { w.write(await r.read(100)); await w.drain(); w.close(); }, '127.0.0.1', 0);
const port = server.sockets[0].getsockname()[1];
const [reader, writer] = await a.openConnection('127.0.0.1', port);
writer.write(Buffer.from('ping'));
const echoed = (await reader.read(100)).toString();
writer.close(); await writer.waitClosed();
server.close(); await server.waitClosed();
const proc = await a.createSubprocessExec('sh', ['-c', 'exit 7'], { stdout: a.DEVNULL });
const code = await proc.wait();
let piped;
try {
  const p = await a.createSubprocessExec('echo', ['child'], { stdout: a.PIPE });
  piped = (await p.communicate())[0].toString().trim();
} catch (e) {
  piped = e.name + ' ' + e.code;
}
const loop = a.getRunningLoop();
let got = null;
loop.addSignalHandler('SIGUSR2', () => { got = 'SIGUSR2'; });
process.kill(process.pid, 'SIGUSR2');
while (got === null) await a.sleep(0.01);
loop.removeSignalHandler('SIGUSR2');
return [loop.constructor.name, a.defaultBackend(), echoed, code, piped, got];
`;

function child(type: 'commonjs' | 'module', noAddon: boolean): unknown {
  const load = type === 'module' ? "const a = await import('@loop/asyncio');" : "const a = require('@loop/asyncio');";
  const script = `${load}\na.run(async () => {${PROGRAM}}).then((r) => process.stdout.write(JSON.stringify(r)), (e) => { console.error(e); process.exit(3); });`;
  const args = type === 'module' ? ['--input-type=module', '-e', script] : ['-e', script];
  const env = { ...process.env };
  if (noAddon) env.LOOP_SOCKET_NO_ADDON = '1';
  else delete env.LOOP_SOCKET_NO_ADDON;
  return JSON.parse(execFileSync(process.execPath, args, { cwd: pkg, env, encoding: 'utf8', timeout: 30_000 }));
}

describe('the default loop of @loop/asyncio', () => {
  it('newEventLoop() and getEventLoop() give the selector loop with every capability, where the addon loads', () => {
    expect(defaultBackend()).toBe('selector');
    const loop = newEventLoop();
    try {
      expect(loop).toBeInstanceOf(SelectorEventLoop);
      for (const method of ['createConnection', 'createServer', 'connectReadPipe', 'subprocessExec', 'addSignalHandler', 'addReader'] as const) {
        expect([method, typeof (loop as unknown as Record<string, unknown>)[method]]).toEqual([method, 'function']);
      }
      setEventLoop(loop);
      expect(getEventLoop()).toBe(loop);
    } finally {
      setEventLoop(null);
      loop.close();
    }
  });

  it('run(main) runs main on a default loop that has the network', async () => {
    const result = await run(async () => {
      const server = await startServer(
        async (reader, writer) => {
          writer.write(await reader.read(100));
          await writer.drain();
          writer.close();
        },
        '127.0.0.1',
        0,
      );
      const port = (server.sockets[0].getsockname() as [string, number])[1];
      const [reader, writer] = await openConnection('127.0.0.1', port);
      writer.write(Buffer.from('hello'));
      const data = await reader.read(100);
      writer.close();
      await writer.waitClosed();
      server.close();
      await server.waitClosed();
      return data.toString();
    });
    expect(result).toBe('hello');
  });

  it.each([
    ['CommonJS', 'commonjs', false, 'SelectorEventLoop', 'selector', 'child'],
    ['ES module', 'module', false, 'SelectorEventLoop', 'selector', 'child'],
    // Subprocess pipes are @loop/socket pipes (ADR 0006): without the addon a PIPE is refused, honestly.
    ['CommonJS without the addon', 'commonjs', true, 'ProactorEventLoop', 'proactor', 'NotImplementedError ERR_LOOP_NOT_IMPLEMENTED'],
    ['ES module without the addon', 'module', true, 'ProactorEventLoop', 'proactor', 'NotImplementedError ERR_LOOP_NOT_IMPLEMENTED'],
  ] as const)('%s: run() gives the default loop with streams, a subprocess and a signal handler', (_n, type, noAddon, name, backend, piped) => {
    expect(child(type, noAddon)).toEqual([name, backend, 'ping', 7, piped, 'SIGUSR2']);
  }, 60_000);

  it('await using loop = newEventLoop(): closed at the end of the scope', async () => {
    let kept: EventLoop | null = null;
    {
      await using loop = newEventLoop();
      kept = loop;
      expect(await loop.runUntilComplete(loop.createTask(() => Promise.resolve('ran')))).toBe('ran');
    }
    expect(kept.isClosed()).toBe(true);
  });

  it('ProactorEventLoop from @loop/asyncio is complete too', () => {
    const loop = new ProactorEventLoop();
    try {
      expect(typeof loop.createConnection).toBe('function');
      expect(typeof loop.subprocessShell).toBe('function');
      expect(typeof loop.addSignalHandler).toBe('function');
    } finally {
      loop.close();
    }
  });
});

describe('openConnection(host, port, { signal })', () => {
  let port = 0;
  const peer = createServer((s) => s.end());
  beforeAll(async () => {
    await new Promise<void>((resolve) => peer.listen(0, '127.0.0.1', resolve));
    port = (peer.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => peer.close(resolve));
  });

  it('an aborted signal cancels the attempt; a live one leaves it alone and is released; a bad one is a TypeError', async () => {
    const out = await run(async () => {
      const results: string[] = [];
      const aborted = new AbortController();
      aborted.abort('gave up');
      try {
        await openConnection('127.0.0.1', port, { signal: aborted.signal });
      } catch (e) {
        results.push(`${(e as Error).name}: ${(e as Error).message} ${String(e instanceof CancelledError)}`);
      }
      const live = new AbortController();
      const [, writer] = await openConnection('127.0.0.1', port, { signal: live.signal });
      results.push('connected');
      writer.close();
      await writer.waitClosed();
      live.abort('too late');
      try {
        await openConnection('127.0.0.1', port, { signal: 'no' as never });
      } catch (e) {
        results.push(`${(e as Error).name}: ${(e as Error).message}`);
      }
      return results;
    });
    expect(out).toEqual([
      'CancelledError: aborted: gave up true',
      'connected',
      "TypeError: openConnection(): signal must be an AbortSignal, got 'no'",
    ]);
  });
});
