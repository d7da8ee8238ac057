// The Node-private fields this package relies on (src/internal/node-private.ts),
// checked on real Node objects. A failure here means a Node upgrade changed one
// of them: update the accessor (and the Node versions in its header) before
// anything else; the proactor would otherwise degrade silently.
import * as dgram from 'node:dgram';
import { closeSync, readSync } from 'node:fs';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import {
  fileDescriptor,
  listenEnd,
  markDatagramConnected,
  nodeOwnEndListener,
  openReadableStreamHandle,
  readHandleName,
  socketOptions,
  takeConnections,
  useUserBuffer,
  type RawHandle,
} from '../src/internal/node-private.js';
import { pipe } from '@loop/socket';

type Handle = Record<string, unknown>;
const handleOf = (obj: object): Handle => (obj as { _handle: Handle })._handle;
const onread: net.OnReadOpts = { buffer: Buffer.alloc(1024), callback: () => true };

/** A listening server and a connected pair (client, accepted), all closed by `close()`. */
async function connectedPair(): Promise<{ server: net.Server; client: net.Socket; accepted: net.Socket; close: () => Promise<void> }> {
  const server = net.createServer({ allowHalfOpen: true });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const acceptedP = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
  const client = net.connect({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, onread });
  await new Promise<void>((resolve) => client.once('connect', resolve));
  const accepted = await acceptedP;
  return {
    server,
    client,
    accepted,
    close: async () => {
      client.destroy();
      accepted.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('Node-private fields (src/internal/node-private.ts)', () => {
  it(`runs on the Node this was checked with or a later 20.x+ (${process.version})`, () => {
    expect(Number(process.versions.node.split('.')[0])).toBeGreaterThanOrEqual(20);
  });

  it('server._handle.onconnection - a listening server\'s handle has it, a function Node calls with (status, clientHandle)', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      expect(typeof handleOf(server).onconnection).toBe('function');
      const accepted = new Promise<[number, RawHandle | undefined]>((resolve) => {
        expect(takeConnections(server, (err, client) => resolve([err, client]))).toBe(true);
      });
      const client = net.connect((server.address() as AddressInfo).port, '127.0.0.1');
      client.on('error', () => {});
      const [err, raw] = await accepted;
      expect(err).toBe(0);
      expect(typeof raw?.close).toBe('function');
      // new net.Socket({ handle, pauseOnCreate }): a socket over the raw handle that is not reading yet.
      const sock = new net.Socket(socketOptions({ handle: raw, readable: true, writable: true, onread }));
      expect(handleOf(sock)).toBe(raw);
      expect(handleOf(sock).reading).toBe(false);
      expect(fileDescriptor(sock)).toBeGreaterThan(2);
      sock.destroy();
      client.destroy();
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('takeConnections() - false for a server that is not listening (no handle)', () => {
    expect(takeConnections(net.createServer(), () => {})).toBe(false);
  });

  it('socket._handle.useUserBuffer / getsockname / getpeername / fd - a connected TCP socket\'s handle has them', async () => {
    const { server, client, close } = await connectedPair();
    try {
      const handle = handleOf(client);
      expect(typeof handle.useUserBuffer).toBe('function');
      expect(typeof handle.getsockname).toBe('function');
      expect(typeof handle.getpeername).toBe('function');
      expect(typeof handle.fd).toBe('number');
      expect(useUserBuffer(client, Buffer.alloc(16))).toBe(true);
      const out: { address?: string; port?: number; family?: unknown } = {};
      expect(readHandleName(client, 'getsockname', out)).toBe(true);
      expect(out.address).toBe('127.0.0.1');
      expect(out.port).toBe(client.localPort);
      expect(readHandleName(client, 'getpeername', out)).toBe(true);
      expect(out.port).toBe((server.address() as AddressInfo).port);
      expect(fileDescriptor(client)).toBe(handle.fd);
      expect(fileDescriptor(server)).toBe(handleOf(server).fd);
      expect(fileDescriptor(server)).toBeGreaterThan(2);
    } finally {
      await close();
    }
    expect(useUserBuffer(client, Buffer.alloc(16))).toBe(false);
    expect(readHandleName(client, 'getsockname', {})).toBe(false);
    expect(fileDescriptor(client)).toBe(-1);
  });

  it('dgram socket[kStateSymbol].handle.fd - the state symbol is found by its description and holds the handle', async () => {
    const sock = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', resolve));
    try {
      const sym = Object.getOwnPropertySymbols(sock).find((s) => s.description === 'state symbol');
      expect(sym).toBeDefined();
      const state = (sock as unknown as Record<symbol, { handle?: { fd?: unknown } }>)[sym as symbol];
      expect(typeof state.handle?.fd).toBe('number');
      expect(fileDescriptor(sock)).toBe(state.handle?.fd);
      expect(fileDescriptor(sock)).toBeGreaterThan(2);
    } finally {
      sock.close();
    }
  });

  it('dgram socket[kStateSymbol].connectState - 0 when not connected, 2 once connect() completed; markDatagramConnected sets 2', async () => {
    const peer = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => peer.bind(0, '127.0.0.1', resolve));
    const sock = dgram.createSocket('udp4');
    const marked = dgram.createSocket('udp4');
    try {
      const sym = Object.getOwnPropertySymbols(sock).find((s) => s.description === 'state symbol') as symbol;
      const state = (s: dgram.Socket): { connectState?: unknown } => (s as unknown as Record<symbol, { connectState?: unknown }>)[sym];
      expect(state(sock).connectState).toBe(0);
      const { port } = peer.address();
      await new Promise<void>((resolve, reject) => sock.connect(port, '127.0.0.1', (err?: Error) => (err ? reject(err) : resolve())));
      expect(state(sock).connectState).toBe(2);
      expect(sock.remoteAddress().port).toBe(port);
      expect(state(marked).connectState).toBe(0);
      expect(markDatagramConnected(marked)).toBe(true);
      expect(state(marked).connectState).toBe(2);
      // Marked connected, a send takes no address (with one it throws ERR_SOCKET_DGRAM_IS_CONNECTED).
      expect(() => marked.send(Buffer.from('x'), 0, 1, port, '127.0.0.1')).toThrow(expect.objectContaining({ code: 'ERR_SOCKET_DGRAM_IS_CONNECTED' }) as never);
    } finally {
      sock.close();
      marked.close();
      peer.close();
    }
  });

  it('_events.end - a fresh net.Socket has exactly one own \'end\' listener, stored bare in _events.end', () => {
    const sock = new net.Socket();
    try {
      const own = sock.listeners('end');
      expect(own).toHaveLength(1);
      expect((sock as unknown as { _events: Record<string, unknown> })._events.end).toBe(own[0]);
      expect(nodeOwnEndListener()).toBe(own[0]);
    } finally {
      sock.destroy();
    }
  });

  it('listenEnd() - Node\'s own listener then ours, in that order, with no second listener in _events', async () => {
    const { server, accepted, client, close } = await connectedPair();
    void server;
    try {
      const calls: string[] = [];
      const own = nodeOwnEndListener() as (this: net.Socket) => void;
      function ours(this: net.Socket): void {
        calls.push(`ours:${this === accepted}`);
      }
      listenEnd(accepted, ours);
      expect(accepted.listenerCount('end')).toBe(1);
      expect(accepted.listeners('end')[0]).not.toBe(own);
      const ended = new Promise<void>((resolve) => accepted.once('end', resolve));
      accepted.resume();
      client.end();
      await ended;
      expect(calls).toEqual(['ours:true']);
    } finally {
      await close();
    }
  });

  it('process.binding(\'tcp_wrap\').TCP - opens a pipe\'s write end readable: writes go through, and the reader\'s close is read(2)\'s EBADF', async () => {
    const [r, w] = pipe();
    const handle = openReadableStreamHandle(w);
    expect(handle).not.toBeNull();
    expect(typeof handle).toBe('object');
    const sock = new net.Socket(socketOptions({ handle: handle as RawHandle, readable: true, writable: true, onread }));
    const errors: Array<Error & { code?: string; syscall?: string }> = [];
    sock.on('error', (err) => errors.push(err));
    const closed = new Promise<void>((resolve) => sock.once('close', () => resolve()));
    try {
      expect(fileDescriptor(sock)).toBe(w);
      await new Promise<void>((resolve, reject) => sock.write(Buffer.from('through'), (err) => (err ? reject(err) : resolve())));
      const buf = Buffer.alloc(16);
      expect(readSync(r, buf)).toBe(7);
      expect(buf.subarray(0, 7).toString()).toBe('through');
      sock.resume();
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(errors).toEqual([]);
      closeSync(r);
      await closed;
      expect(errors.map((e) => `${e.syscall} ${e.code}`)).toEqual(['read EBADF']);
    } finally {
      sock.destroy();
    }
  });

  it('openReadableStreamHandle() - a bad descriptor is refused with libuv\'s errno, and nothing is left open', () => {
    expect(openReadableStreamHandle(987654)).toBe(-9);
  });
});
