// The proactor adopts a connected stream socket made elsewhere (a
// @loop/socket Socket): Node takes its descriptor, the transport owns it.
import { Protocol, getBackend, type IoBackend, type Transport } from '@loop/interfaces';
import { AF_INET, SOCK_STREAM as SOCKET_STREAM, socket, socketpair, type Socket } from '@loop/socket';
import { ProactorEventLoop } from '../src/index.js';
import { openSockets } from './helpers.js';

class Recorder extends Protocol {
  transport: Transport | null = null;
  readonly events: string[] = [];
  readonly lost: Promise<void>;
  #lost!: () => void;
  constructor() {
    super();
    this.lost = new Promise((resolve) => (this.#lost = resolve));
  }
  override connectionMade(t: Transport): void {
    this.transport = t;
    this.events.push('made');
  }
  override dataReceived(data: Buffer): void {
    this.events.push(`data:${data.toString()}`);
  }
  override eofReceived(): boolean {
    this.events.push('eof');
    return false;
  }
  override connectionLost(exc: Error | null): void {
    this.events.push(`lost:${exc === null ? 'null' : exc.message}`);
    this.#lost();
  }
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(check()).toBe(true);
}

describe('a @loop/socket stream socket given to the proactor (sock=)', () => {
  it('a socketpair end: the transport reads, writes, sees EOF, and closes the descriptor it adopted', async () => {
    const before = openSockets();
    const loop = new ProactorEventLoop();
    const backend = getBackend(loop) as IoBackend;
    const [a, b] = socketpair();
    const proto = new Recorder();
    const waiter = loop.createFuture<void>();
    const tr = backend.makeSocketTransport(a, proto, waiter);
    expect(a.fileno()).toBe(-1); // detached: the transport owns the descriptor now
    expect(tr.getExtraInfo('sockname')).toBe('');
    await loop.runUntilComplete(waiter);
    b.send(Buffer.from('abc'));
    tr.write(Buffer.from('xyz'));
    const run = loop.runForever();
    await until(() => proto.events.includes('data:abc'));
    const got: Buffer[] = [];
    await until(() => {
      try {
        got.push(b.recv(100));
      } catch {
        // EAGAIN: not yet
      }
      return Buffer.concat(got).toString() === 'xyz';
    });
    b.shutdown(1);
    await until(() => proto.events.includes('eof'));
    await proto.lost;
    loop.stop();
    await run;
    expect(proto.events).toEqual(['made', 'data:abc', 'eof', 'lost:null']);
    b.close();
    loop.close();
    expect(openSockets()).toBe(before);
  });

  it('a TCP connection accepted by a @loop/socket listener (connectAcceptedSocket)', async () => {
    const before = openSockets();
    const loop = new ProactorEventLoop();
    const backend = getBackend(loop) as IoBackend;
    const lsock = socket(AF_INET, SOCKET_STREAM);
    lsock.bind(['127.0.0.1', 0]);
    lsock.listen();
    const client = socket(AF_INET, SOCKET_STREAM);
    client.connectEx(lsock.getsockname());
    let accepted: Socket | null = null;
    await until(() => {
      try {
        accepted = lsock.accept()[0];
      } catch {
        // EAGAIN
      }
      return accepted !== null;
    });
    const proto = new Recorder();
    const tr = backend.makeSocketTransport(accepted as unknown as Socket, proto, null);
    expect(tr.getExtraInfo('peername')).toEqual(client.getsockname());
    const run = loop.runForever();
    client.send(Buffer.from('hi'));
    await until(() => proto.events.includes('data:hi'));
    tr.close();
    await proto.lost;
    loop.stop();
    await run;
    client.close();
    lsock.close();
    loop.close();
    expect(openSockets()).toBe(before);
  });

  it('a closed socket or a datagram socket is a TypeError; an object without a descriptor stays a NotImplementedError', () => {
    const loop = new ProactorEventLoop();
    const backend = getBackend(loop) as IoBackend;
    const [a, b] = socketpair();
    a.close();
    expect(() => backend.makeSocketTransport(a, new Recorder(), null)).toThrow(expect.objectContaining({ code: 'ERR_LOOP_INVALID_ARG' }) as never);
    b.close();
    const d = socket(AF_INET, 2);
    expect(() => backend.makeSocketTransport(d, new Recorder(), null)).toThrow(/not an IPv4, IPv6 or Unix stream socket/);
    d.close();
    const fake = { family: AF_INET, type: 1, fileno: () => 3, getsockname: () => ['', 0], getpeername: () => ['', 0], close: () => undefined };
    expect(() => backend.makeSocketTransport(fake as never, new Recorder(), null)).toThrow(/requires @loop\/socket/);
    loop.close();
  });
});
