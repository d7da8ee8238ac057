// The `sock=` options of @loop/net's stream methods and D28's options on the
// selector loop: a `@loop/socket` `Socket` given by the caller is used as
// asyncio uses it (set non-blocking; a bound server socket is listened on),
// and `reuseAddress: false` / `reusePort: true` reach the listening socket.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { Protocol, compose, type Transport } from '@loop/interfaces';
import { net } from '@loop/net';
import { AF_INET, AF_UNIX, SOCK_STREAM, SOL_SOCKET, SO_REUSEADDR, SO_REUSEPORT, Socket, socketpair } from '@loop/socket';
import { SelectorEventLoop } from '../src/index';

const NetLoop = compose(SelectorEventLoop, net);
type Loop = InstanceType<typeof NetLoop>;

const openFds = (): number => readdirSync('/proc/self/fd').length;

/** The echo protocols whose connection has not ended yet. */
const liveEchoes = new Set<Echo>();

class Echo extends Protocol {
  transport: Transport | null = null;
  override connectionMade(t: Transport): void {
    this.transport = t;
    liveEchoes.add(this);
  }
  override connectionLost(): void {
    liveEchoes.delete(this);
  }
  override dataReceived(data: Buffer): void {
    this.transport?.write(data);
  }
}

/** Records what arrives; `lost` resolves at connectionLost. */
class Client extends Protocol {
  readonly chunks: Buffer[] = [];
  #lost: () => void = () => {};
  readonly lost = new Promise<void>((resolve) => (this.#lost = resolve));
  override dataReceived(data: Buffer): void {
    this.chunks.push(data);
  }
  override connectionLost(): void {
    this.#lost();
  }
  get text(): string {
    return Buffer.concat(this.chunks).toString();
  }
}

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; !cond(); i++) {
    if (i > 300) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function run(main: (loop: Loop) => Promise<void>): Promise<void> {
  const before = openFds();
  const loop = new NetLoop();
  try {
    await loop.runUntilComplete(async () => {
      await main(loop);
      // The servers' ends close when they read the clients' EOF.
      await until(() => liveEchoes.size === 0);
    });
  } finally {
    loop.close();
  }
  expect(openFds()).toBe(before);
}

/** Writes `text` on `transport` and waits for it to come back to `client`. */
async function roundTrip(transport: Transport, client: Client, text: string): Promise<void> {
  transport.write(Buffer.from(text));
  await until(() => client.text === text);
  transport.close();
  await client.lost;
}

describe('SelectorEventLoop + @loop/net: sockets given by the caller, D28', () => {
  it('createServer({ sock }) listens on a bound socket; createConnection({ sock }) takes a connected (blocking) socket and makes it non-blocking', async () => {
    await run(async (loop) => {
      const listening = new Socket(AF_INET, SOCK_STREAM);
      listening.bind(['127.0.0.1', 0]);
      const server = await loop.createServer(() => new Echo(), null, null, { sock: listening });
      expect(server.sockets[0]).toBe(listening);
      const [, port] = listening.getsockname() as [string, number];
      const sock = new Socket(AF_INET, SOCK_STREAM);
      sock.setblocking(true);
      sock.connect(['127.0.0.1', port]);
      const [transport, client] = await loop.createConnection(() => new Client(), null, null, { sock });
      expect(sock.getblocking()).toBe(false);
      expect(transport.getExtraInfo('socket')).toBe(sock);
      await roundTrip(transport, client, 'via sock=');
      server.close();
      await server.waitClosed();
      expect(listening.fileno()).toBe(-1);
    });
  });

  it('createUnixServer({ sock }) / createUnixConnection({ sock }) and connectAcceptedSocket with a socketpair end', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sel-net-'));
    try {
      await run(async (loop) => {
        const path = join(dir, 's');
        const listening = new Socket(AF_UNIX, SOCK_STREAM);
        listening.bind(path);
        const server = await loop.createUnixServer(() => new Echo(), null, { sock: listening });
        const sock = new Socket(AF_UNIX, SOCK_STREAM);
        sock.connect(path);
        const [transport, client] = await loop.createUnixConnection(() => new Client(), null, { sock });
        await roundTrip(transport, client, 'unix sock=');
        server.close();
        await server.waitClosed();

        const [a, b] = socketpair(AF_UNIX, SOCK_STREAM);
        await loop.connectAcceptedSocket(() => new Echo(), a);
        const [tb, cb] = await loop.createConnection(() => new Client(), null, null, { sock: b });
        await roundTrip(tb, cb, 'pair');
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('D28: createServer reuseAddress: false leaves SO_REUSEADDR off (on by default); reusePort: true lets two servers share a port', async () => {
    await run(async (loop) => {
      const plain = await loop.createServer(() => new Echo(), '127.0.0.1', 0);
      const off = await loop.createServer(() => new Echo(), '127.0.0.1', 0, { reuseAddress: false });
      expect((plain.sockets[0] as Socket).getsockopt(SOL_SOCKET, SO_REUSEADDR)).toBe(1);
      expect((off.sockets[0] as Socket).getsockopt(SOL_SOCKET, SO_REUSEADDR)).toBe(0);
      const first = await loop.createServer(() => new Echo(), '127.0.0.1', 0, { reusePort: true });
      const [, port] = first.sockets[0].getsockname() as [string, number];
      const second = await loop.createServer(() => new Echo(), '127.0.0.1', port, { reusePort: true });
      expect((second.sockets[0] as Socket).getsockopt(SOL_SOCKET, SO_REUSEPORT)).toBe(1);
      const [transport, client] = await loop.createConnection(() => new Client(), '127.0.0.1', port);
      await roundTrip(transport, client, 'shared port');
      for (const s of [plain, off, first, second]) {
        s.close();
        await s.waitClosed();
      }
    });
  });
});
