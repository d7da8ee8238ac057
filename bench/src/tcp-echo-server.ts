/**
 * The server under test of the TCP echo benchmark: one process per run,
 * spawned by `tcp-echo.ts` (pinned with `taskset` to its own core), serving
 * echo on 127.0.0.1 with one of the systems below.
 *
 *   node --expose-gc dist/tcp-echo-server.js <system>
 *
 * HOW: it prints one line, `ready <port>` once listening, or `unavailable
 * <reason>` when the system cannot be built here (a package not landed or not
 * built) and exits. Then it answers commands, one per line on stdin:
 *
 *   cpu    ->  cpu <user+system microseconds since the process started>
 *   mem    ->  mem <JSON of process.memoryUsage() after two full collections>
 *   conns  ->  conns <connections open now>
 *   quit   ->  exits
 *
 * The parent brackets the client's measured window with two `cpu` commands,
 * so the server's CPU per request is the delta divided by the requests; the
 * commands arrive twice per run, their cost is noise.
 *
 * WHY dynamic imports and a data-driven list: the loop systems depend on
 * `@loop/proactor` and `@loop/net`, which may be absent or incomplete; a
 * system whose package is missing is reported "not available: <reason>"
 * instead of failing the whole benchmark.
 *
 * The systems (each echoes every byte it receives, in order):
 *   node-net           net.createServer, socket.on('data', d => socket.write(d))
 *   loop-protocol      ProactorEventLoop + net, Protocol: dataReceived -> transport.write
 *   loop-buffered      ... BufferedProtocol: getBuffer -> one preallocated 64 KiB
 *                      buffer, bufferUpdated(n) -> transport.write(buffer.subarray(0, n))
 *                      (no copy: as asyncio's, the transport never keeps the
 *                      caller's memory where it could change — it copies what
 *                      Node cannot send at once, and a read into the protocol's
 *                      buffer waits while Node still sends from it)
 *   loop-streams       ... startServer: reader.read(65536) -> writer.write -> await writer.drain()
 *   selector-protocol, selector-buffered, selector-streams
 *                      the same three on SelectorEventLoop + net (@loop/selector)
 *
 * Every server sets TCP_NODELAY on accepted connections (asyncio's transports
 * do; `noDelay: true` for node:net), so no system waits on Nagle.
 */
import net from 'node:net';
import { createInterface } from 'node:readline';
import type { NetMethods, Server, Transport } from '@loop/interfaces';

/** A started echo server. */
interface Started {
  port: number;
  /** Connections open now. */
  connections(): number;
}

/** The loop as the servers use it: its running methods and the network methods. */
interface NetLoop extends NetMethods {
  runUntilComplete<T>(x: PromiseLike<T> | (() => PromiseLike<T>)): Promise<T>;
  runForever(): Promise<void>;
}

/** Why a system cannot run here. */
class Unavailable extends Error {}

async function importExport<T>(pkg: string, name: string): Promise<T> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pkg)) as Record<string, unknown>;
  } catch (e) {
    throw new Unavailable(`${pkg} does not load (${e instanceof Error ? e.message.split('\n')[0] : String(e)})`);
  }
  if (mod[name] === undefined) throw new Unavailable(`${pkg} does not export ${name} yet`);
  return mod[name] as T;
}

/** `compose(ProactorEventLoop, net)`, or Unavailable. */
async function newProactorNetLoop(): Promise<NetLoop> {
  const { compose } = await import('@loop/interfaces');
  const ProactorEventLoop = await importExport<new () => object>('@loop/proactor', 'ProactorEventLoop');
  const netCapability = await importExport<Parameters<typeof compose>[1]>('@loop/net', 'net');
  const Loop = compose(ProactorEventLoop as never, netCapability);
  return new (Loop as unknown as new () => NetLoop)();
}

/** `compose(SelectorEventLoop, net)`, or Unavailable. */
async function newSelectorNetLoop(): Promise<NetLoop> {
  const { compose } = await import('@loop/interfaces');
  const SelectorEventLoop = await importExport<new () => object>('@loop/selector', 'SelectorEventLoop');
  const netCapability = await importExport<Parameters<typeof compose>[1]>('@loop/net', 'net');
  const Loop = compose(SelectorEventLoop as never, netCapability);
  return new (Loop as unknown as new () => NetLoop)();
}

type LoopFactory = () => Promise<NetLoop>;

/** Starts a server on `loop`; a backend that cannot serve yet (NotImplementedError) makes the system Unavailable. */
async function serve<T>(loop: NetLoop, start: () => PromiseLike<T>): Promise<T> {
  try {
    return await loop.runUntilComplete(start);
  } catch (e) {
    if (e instanceof Error && (e as { code?: unknown }).code === 'ERR_LOOP_NOT_IMPLEMENTED') throw new Unavailable(e.message);
    throw e;
  }
}

function portOf(server: Server): number {
  const name = server.sockets[0]?.getsockname() as unknown;
  if (!Array.isArray(name) || typeof name[1] !== 'number') throw new Error(`unexpected sockname ${String(name)}`);
  return name[1];
}

async function nodeNet(): Promise<Started> {
  let open = 0;
  const server = net.createServer({ noDelay: true }, (socket) => {
    open++;
    socket.on('data', (d) => socket.write(d));
    socket.on('error', () => {});
    socket.on('close', () => open--);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as net.AddressInfo).port, connections: () => open };
}

async function loopProtocol(newLoop: LoopFactory): Promise<Started> {
  const { Protocol } = await import('@loop/interfaces');
  const loop = await newLoop();
  let open = 0;
  class Echo extends Protocol {
    transport: Transport | null = null;
    override connectionMade(transport: Transport): void {
      this.transport = transport;
      open++;
    }
    override dataReceived(data: Buffer): void {
      this.transport!.write(data);
    }
    override connectionLost(): void {
      open--;
    }
  }
  const server = await serve(loop, () => loop.createServer(() => new Echo(), '127.0.0.1', 0));
  void loop.runForever();
  return { port: portOf(server), connections: () => open };
}

async function loopBuffered(newLoop: LoopFactory): Promise<Started> {
  const { BufferedProtocol } = await import('@loop/interfaces');
  const loop = await newLoop();
  let open = 0;
  class Echo extends BufferedProtocol {
    transport: Transport | null = null;
    readonly buffer = Buffer.allocUnsafe(65536);
    override connectionMade(transport: Transport): void {
      this.transport = transport;
      open++;
    }
    override getBuffer(): Uint8Array {
      return this.buffer;
    }
    override bufferUpdated(nbytes: number): void {
      // The buffer is reused for the next read; the transport copies what it must.
      this.transport!.write(this.buffer.subarray(0, nbytes));
    }
    override connectionLost(): void {
      open--;
    }
  }
  const server = await serve(loop, () => loop.createServer(() => new Echo(), '127.0.0.1', 0));
  void loop.runForever();
  return { port: portOf(server), connections: () => open };
}

/** What the streams echo needs of a StreamReader / StreamWriter. */
interface Reader {
  read(n: number): PromiseLike<Buffer>;
}
interface Writer {
  write(data: Uint8Array): void;
  drain(): PromiseLike<void>;
  close(): void;
}
type StartServer = (cb: (r: Reader, w: Writer) => Promise<void>, host: string, port: number) => PromiseLike<Server>;

async function loopStreams(newLoop: LoopFactory): Promise<Started> {
  const loop = await newLoop();
  const startServer = await importExport<StartServer>('@loop/net', 'startServer');
  let open = 0;
  const echo = async (reader: Reader, writer: Writer): Promise<void> => {
    open++;
    try {
      for (;;) {
        const data = await reader.read(65536);
        if (data.length === 0) break;
        writer.write(data);
        await writer.drain();
      }
    } catch {
      // a reset by the client at the end of a run
    } finally {
      writer.close();
      open--;
    }
  };
  // startServer uses the running loop: call it from a task.
  const server = await serve(loop, () => startServer(echo, '127.0.0.1', 0));
  void loop.runForever();
  return { port: portOf(server), connections: () => open };
}

const SYSTEMS: Record<string, () => Promise<Started>> = {
  'node-net': nodeNet,
  'loop-protocol': () => loopProtocol(newProactorNetLoop),
  'loop-buffered': () => loopBuffered(newProactorNetLoop),
  'loop-streams': () => loopStreams(newProactorNetLoop),
  'selector-protocol': () => loopProtocol(newSelectorNetLoop),
  'selector-buffered': () => loopBuffered(newSelectorNetLoop),
  'selector-streams': () => loopStreams(newSelectorNetLoop),
};

function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g === undefined) throw new Error('run with node --expose-gc');
  g();
  g();
}

async function main(): Promise<void> {
  const name = process.argv[2] ?? '';
  const make = SYSTEMS[name];
  if (make === undefined) throw new RangeError(`unknown system ${name}; known: ${Object.keys(SYSTEMS).join(', ')}`);
  let started: Started;
  try {
    started = await make();
  } catch (e) {
    if (!(e instanceof Unavailable)) throw e;
    process.stdout.write(`unavailable ${e.message}\n`);
    process.exit(0);
  }
  process.stdout.write(`ready ${started.port}\n`);
  const lines = createInterface({ input: process.stdin });
  lines.on('line', (cmd) => {
    switch (cmd.trim()) {
      case 'cpu': {
        const u = process.cpuUsage();
        process.stdout.write(`cpu ${u.user + u.system}\n`);
        break;
      }
      case 'mem':
        gc();
        process.stdout.write(`mem ${JSON.stringify(process.memoryUsage())}\n`);
        break;
      case 'conns':
        process.stdout.write(`conns ${started.connections()}\n`);
        break;
      case 'quit':
        process.exit(0);
        break;
      default:
        process.stdout.write(`error unknown command ${cmd}\n`);
    }
  });
  lines.on('close', () => process.exit(0));
}

await main();
