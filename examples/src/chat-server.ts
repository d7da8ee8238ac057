/**
 * Mirrors python/chat-server.py, the program that docs/porting.md moves from
 * asyncio to @loop step by step: a small line-based chat server.
 *
 * - streams: `startServer`; each client gets a handler task that reads lines
 *   (`StreamReader.readline`) and broadcasts them to the others;
 * - a subprocess: the server's clock is read from `date`, run with
 *   `createSubprocessExec`, when it starts and for `/who`, which also lists
 *   who is online;
 * - timeouts: `timeout()` (asyncio's `async with asyncio.timeout()`) drops a
 *   client that gives no name within `LOGIN_TIMEOUT`, or that says nothing
 *   for `IDLE_TIMEOUT`;
 * - signals: SIGINT and SIGTERM close the server gracefully (every client
 *   told, every connection closed, the server waited for).
 *
 * It imports asyncio's API from `@loop/asyncio` alone, as the Python imports
 * `asyncio`, and runs on the default loop that `run(main)` makes (network,
 * subprocesses and signals composed in).
 *
 * HOW it stays deterministic (and equal to its twin): scripted clients run in
 * the same process, each waiting for the line it expects before it acts;
 * alice and bob chat, bob asks `/who`, carol never gives her name and is
 * dropped, then the program sends itself SIGTERM. Each party's lines are
 * recorded and printed at the end, the server's first; the listening port is
 * 0, and the date prints as `<datetime>` once normalised (src/examples.ts).
 */
import { PIPE, TimeoutError, createSubprocessExec, getRunningLoop, openConnection, run, startServer, timeout } from '@loop/asyncio';
import type { StreamReader, StreamWriter } from '@loop/asyncio';

const LOGIN_TIMEOUT = 0.5; // seconds to give a name
const IDLE_TIMEOUT = 60.0; // seconds of silence before a client is dropped

const serverLog: string[] = [];

/** Python's `str()` of a float: `0.5`, `60.0`. */
function pyFloat(x: number): string {
  return Number.isInteger(x) ? x.toFixed(1) : String(x);
}

class ChatServer {
  readonly clients = new Map<string, StreamWriter>();
  closing = false;

  async send(writer: StreamWriter, text: string): Promise<void> {
    writer.write(Buffer.from(`${text}\n`));
    await writer.drain();
  }

  async broadcast(text: string, exclude: string | null = null): Promise<void> {
    for (const [name, writer] of [...this.clients]) {
      if (name !== exclude) await this.send(writer, text);
    }
  }

  async now(): Promise<string> {
    const proc = await createSubprocessExec('date', ['+%Y-%m-%d %H:%M:%S'], { stdout: PIPE });
    const [out] = await proc.communicate();
    return (out ?? Buffer.alloc(0)).toString().trim();
  }

  async who(): Promise<string[]> {
    const names = [...this.clients.keys()].sort().join(', ');
    return [`online: ${names}`, `server time: ${await this.now()}`];
  }

  /** The `startServer` callback: one task per connection. */
  readonly handle = async (reader: StreamReader, writer: StreamWriter): Promise<void> => {
    await this.send(writer, 'Welcome! What is your name?');
    let name: string;
    try {
      name = await timeout(LOGIN_TIMEOUT, async () => (await reader.readline()).toString().trim());
    } catch (e) {
      if (!(e instanceof TimeoutError)) throw e;
      serverLog.push('a connection gave no name in time: dropped');
      await this.send(writer, `* no name within ${pyFloat(LOGIN_TIMEOUT)} s, bye`);
      writer.close();
      await writer.waitClosed();
      return;
    }
    this.clients.set(name, writer);
    serverLog.push(`${name} joined`);
    await this.broadcast(`* ${name} joined (${this.clients.size} online)`);
    let reason = 'left';
    try {
      for (;;) {
        let line: Buffer;
        try {
          line = await timeout(IDLE_TIMEOUT, () => reader.readline());
        } catch (e) {
          if (!(e instanceof TimeoutError)) throw e;
          await this.send(writer, '* idle for too long, bye');
          reason = 'was idle for too long';
          break;
        }
        if (line.length === 0) break;
        const text = line.toString().replace(/\n$/, '');
        if (text === '/who') {
          serverLog.push(`${name} ran /who`);
          for (const reply of await this.who()) await this.send(writer, reply);
        } else if (text === '/quit') {
          break;
        } else {
          serverLog.push(`<${name}> ${text}`);
          await this.broadcast(`<${name}> ${text}`, name);
        }
      }
    } finally {
      this.clients.delete(name);
      if (!this.closing) {
        serverLog.push(`${name} ${reason}`);
        await this.broadcast(`* ${name} ${reason}`);
        writer.close();
        await writer.waitClosed();
      }
    }
  };

  async close(why: string): Promise<void> {
    this.closing = true;
    const writers = [...this.clients.values()];
    for (const writer of writers) {
      await this.send(writer, `* server shutting down (${why})`);
      writer.close();
    }
    for (const writer of writers) await writer.waitClosed();
    serverLog.push(`closed ${writers.length} connections`);
  }
}

/** A scripted client: records every line it receives. */
class Client {
  readonly lines: string[] = [];

  private constructor(
    readonly name: string,
    readonly reader: StreamReader,
    readonly writer: StreamWriter,
  ) {}

  static async connect(name: string, port: number): Promise<Client> {
    const [reader, writer] = await openConnection('127.0.0.1', port);
    return new Client(name, reader, writer);
  }

  async recv(): Promise<void> {
    const line = await this.reader.readline();
    this.lines.push(line.length > 0 ? line.toString().replace(/\n$/, '') : '<EOF>');
  }

  async say(text: string): Promise<void> {
    this.writer.write(Buffer.from(`${text}\n`));
    await this.writer.drain();
  }

  async close(): Promise<void> {
    this.writer.close();
    await this.writer.waitClosed();
  }
}

async function scenario(port: number): Promise<Client[]> {
  const alice = await Client.connect('alice', port);
  await alice.recv(); // Welcome!
  await alice.say('alice');
  await alice.recv(); // * alice joined (1 online)

  const bob = await Client.connect('bob', port);
  await bob.recv();
  await bob.say('bob');
  await bob.recv(); // * bob joined (2 online)
  await alice.recv(); // * bob joined (2 online)

  await alice.say('hello, bob');
  await bob.recv(); // <alice> hello, bob
  await bob.say('/who');
  await bob.recv(); // online: alice, bob
  await bob.recv(); // server time: ...

  const carol = await Client.connect('carol', port);
  await carol.recv(); // Welcome! ... and carol says nothing
  await carol.recv(); // * no name within 0.5 s, bye
  await carol.recv(); // <EOF>
  await carol.close();

  process.kill(process.pid, 'SIGTERM');
  for (const client of [alice, bob]) {
    await client.recv(); // * server shutting down (SIGTERM)
    await client.recv(); // <EOF>
    await client.close();
  }
  return [alice, bob, carol];
}

async function main(): Promise<void> {
  const loop = getRunningLoop();
  const chat = new ChatServer();
  const server = await startServer(chat.handle, '127.0.0.1', 0);
  const port = (server.sockets[0].getsockname() as [string, number])[1];
  serverLog.push(`started at ${await chat.now()}`);

  const stop = loop.createFuture<string>();
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    loop.addSignalHandler(sig, () => stop.done() || stop.setResult(sig));
  }

  const clients = loop.createTask(() => scenario(port));
  const why = await stop;
  serverLog.push(`got ${why}: closing the server`);
  server.close();
  await chat.close(why);
  await server.waitClosed();

  console.log('-- server --');
  for (const line of serverLog) console.log(line);
  for (const client of await clients) {
    console.log(`-- ${client.name} --`);
    for (const line of client.lines) console.log(line);
  }
}

await run(main);
