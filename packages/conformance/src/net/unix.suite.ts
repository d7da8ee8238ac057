/**
 * `createUnixConnection` and `createUnixServer` (asyncio's
 * `test_unix_events` create_unix_* tests): echo over a socket file, the
 * stale socket file removed first (and only a socket), the file removed on
 * close, the Linux abstract namespace, option errors, a `@loop/socket`
 * socket given with `sock`.
 *
 * HOW: paths come from `t.path()` (a per-test temporary directory). A stale
 * socket file is made by a child Node process that listens and exits without
 * closing (libuv unlinks the file only on close).
 *
 * @packageDocumentation
 */
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, writeFileSync } from 'node:fs';
import { expect } from 'expect';
import { describe } from '../runner.js';
import { Protocol, type Server } from '@loop/interfaces';
import { AF_UNIX, SOCK_STREAM } from '@loop/net';
import { SOL_SOCKET, SO_ACCEPTCONN, Socket } from '@loop/socket';
import { EchoProtocol, RecordingProtocol, foreignSocket } from './connection.suite.js';
import { defineNetTest, type NetLoop, type NetLoopFactory } from './harness.js';

async function echoOnce(loop: NetLoop, path: string, text: string): Promise<string> {
  const [transport, client] = await loop.createUnixConnection(() => new RecordingProtocol(loop), path);
  transport.write(Buffer.from(text));
  await client.receivedAtLeast(Buffer.byteLength(text));
  transport.close();
  await client.lost;
  return client.data().toString();
}

async function closeServer(server: Server): Promise<void> {
  server.close();
  await server.waitClosed();
}

/** The Unix sockets suite. */
export function unixSuite(newLoop: NetLoopFactory): void {
  describe('createUnixConnection and createUnixServer', () => {
    const it = defineNetTest(newLoop);

    it('[CONN-09, SRV-12] option errors, as asyncio', async (t) => {
      const loop = t.loop;
      const f = () => new Protocol();
      await t.run(async () => {
        await expect(loop.createUnixConnection(f, t.path('s'), { ssl: true })).rejects.toThrow(
          new RangeError('you have to pass serverHostname when using ssl'),
        );
        await expect(loop.createUnixConnection(f, t.path('s'), { serverHostname: 'x' })).rejects.toThrow(
          new RangeError('serverHostname is only meaningful with ssl'),
        );
        await expect(loop.createUnixConnection(f, t.path('s'), { sslHandshakeTimeout: 1 })).rejects.toThrow(
          new RangeError('sslHandshakeTimeout is only meaningful with ssl'),
        );
        await expect(loop.createUnixConnection(f, t.path('s'), { sock: foreignSocket(1, AF_UNIX) })).rejects.toThrow(
          new RangeError('path and sock can not be specified at the same time'),
        );
        await expect(loop.createUnixConnection(f)).rejects.toThrow(new RangeError('no path and sock were specified'));
        await expect(loop.createUnixConnection(f, null, { sock: foreignSocket() })).rejects.toThrow(
          /^A UNIX Domain Stream Socket was expected/,
        );
        await expect(loop.createUnixServer(f)).rejects.toThrow(new RangeError('path was not specified, and no sock specified'));
        await expect(loop.createUnixServer(f, t.path('s'), { sslHandshakeTimeout: 1 })).rejects.toThrow(
          new RangeError('sslHandshakeTimeout is only meaningful with ssl'),
        );
        await expect(loop.createUnixServer(f, t.path('s'), { sock: foreignSocket(1, AF_UNIX) })).rejects.toThrow(
          new RangeError('path and sock can not be specified at the same time'),
        );
        const refused = await loop.createUnixConnection(f, t.path('nobody-here')).catch((e: unknown) => e);
        expect(refused).toMatchObject({ code: 'ENOENT' });
      });
      loop.close();
    });

    it('[test_create_unix_server, SRV-12, SRV-17] a server and a connection on a socket file: echo, names, the file removed on close', async (t) => {
      const loop = t.loop;
      const path = t.path('echo.sock');
      await t.run(async () => {
        const server = await loop.createUnixServer(() => new EchoProtocol(), path);
        expect(server.isServing()).toBe(true);
        expect(lstatSync(path).isSocket()).toBe(true);
        expect(server.sockets).toHaveLength(1);
        expect(server.sockets[0].family).toBe(AF_UNIX);
        expect(server.sockets[0].getsockname()).toBe(path);
        const [transport, client] = await loop.createUnixConnection(() => new RecordingProtocol(loop), path);
        expect(transport.getExtraInfo('peername')).toBe(path);
        transport.write(Buffer.from('over a unix socket'));
        await client.receivedAtLeast(18);
        expect(client.data().toString()).toBe('over a unix socket');
        transport.close();
        await client.lost;
        await closeServer(server);
        expect(existsSync(path)).toBe(false);
      });
      loop.close();
    });

    it('[SRV-11, SRV-17] sock: a bound @loop/socket Unix stream socket is listened on and served; close() closes it and removes its file; cleanupSocket: false keeps the file', async (t) => {
      const loop = t.loop;
      const path = t.path('given.sock');
      const kept = t.path('kept.sock');
      await t.run(async () => {
        const before = readdirSync('/proc/self/fd').length;
        const sock = new Socket(AF_UNIX, SOCK_STREAM);
        sock.bind(path);
        const server = await loop.createUnixServer(() => new EchoProtocol(), null, { sock });
        expect(server.sockets[0]).toBe(sock);
        expect(sock.getsockname()).toBe(path);
        expect(sock.getsockopt(SOL_SOCKET, SO_ACCEPTCONN)).toBe(1);
        expect(await echoOnce(loop, path, 'unix sock=')).toBe('unix sock=');
        await closeServer(server);
        expect(sock.fileno()).toBe(-1);
        expect(existsSync(path)).toBe(false);
        // The file of a given socket is left to cleanupSocket on every loop (D29 is about paths the proactor binds).
        const second = new Socket(AF_UNIX, SOCK_STREAM);
        second.bind(kept);
        const other = await loop.createUnixServer(() => new EchoProtocol(), null, { sock: second, cleanupSocket: false });
        expect(await echoOnce(loop, kept, 'kept')).toBe('kept');
        await closeServer(other);
        expect(second.fileno()).toBe(-1);
        expect(lstatSync(kept).isSocket()).toBe(true);
        expect(readdirSync('/proc/self/fd').length).toBe(before);
      });
      loop.close();
    });

    it('[test_create_unix_server_existing_path_sock, test_create_unix_server_existing_path_nonsock, SRV-12] a stale socket file is removed first; a regular file is not (EADDRINUSE, asyncio message)', async (t) => {
      const loop = t.loop;
      const stale = t.path('stale.sock');
      execFileSync(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(stale)}, () => process.exit(0))`]);
      expect(lstatSync(stale).isSocket()).toBe(true);
      const regular = t.path('regular');
      writeFileSync(regular, 'keep me');
      await t.run(async () => {
        const server = await loop.createUnixServer(() => new EchoProtocol(), stale);
        expect(await echoOnce(loop, stale, 'fresh')).toBe('fresh');
        await closeServer(server);
        const err = (await loop.createUnixServer(() => new EchoProtocol(), regular).catch((e: unknown) => e)) as Error & { code?: string };
        expect(err.code).toBe('EADDRINUSE');
        expect(err.message).toBe(`Address '${regular}' is already in use`);
        expect(existsSync(regular)).toBe(true);
      });
      loop.close();
    });

    it('[test_create_unix_server_ssl, SRV-13] TLS over a Unix socket: ssl with serverHostname', async (t) => {
      const loop = t.loop;
      const path = t.path('tls.sock');
      await t.run(async () => {
        const server = await loop.createUnixServer(() => new EchoProtocol(), path, { ssl: t.serverTls(), sslHandshakeTimeout: 5 });
        const [transport, client] = await loop.createUnixConnection(() => new RecordingProtocol(loop), path, {
          ssl: t.clientTls(),
          serverHostname: 'localhost',
        });
        transport.write(Buffer.from('private'));
        await client.receivedAtLeast(7);
        expect(client.data().toString()).toBe('private');
        transport.close();
        await client.lost;
        await closeServer(server);
      });
      loop.close();
    });

    it('[test_start_unix_server_1, SRV-03] startServing: false, then startServing()', async (t) => {
      const loop = t.loop;
      const path = t.path('later.sock');
      await t.run(async () => {
        const server = await loop.createUnixServer(() => new EchoProtocol(), path, { startServing: false });
        expect(server.isServing()).toBe(false);
        await server.startServing();
        expect(server.isServing()).toBe(true);
        expect(await echoOnce(loop, path, 'later')).toBe('later');
        await closeServer(server);
      });
      loop.close();
    });

    if (process.platform === 'linux') {
      it('[SRV-12] Linux abstract namespace: a name starting with \\0, no file', async (t) => {
        const loop = t.loop;
        const name = `\0loop-test-${process.pid}-${Date.now()}`;
        await t.run(async () => {
          const server = await loop.createUnixServer(() => new EchoProtocol(), name);
          expect(await echoOnce(loop, name, 'abstract')).toBe('abstract');
          await closeServer(server);
        });
        loop.close();
      });
    }
  });
}
