"""The Python asyncio side of python-interop.test.ts: a client or a server
written with asyncio's streams and datagram endpoints, talking to an @loop
peer over real sockets.

    interop.py tcp-client HOST PORT SIZE [CA_FILE SERVER_HOSTNAME]
        connects (TLS when CA_FILE is given: trusting only that CA and
        checking SERVER_HOSTNAME), sends SIZE pseudo-random bytes in chunks
        of at most 64 KiB, half-closes (write_eof; a TLS stream cannot, so it
        reads exactly SIZE bytes instead), reads the echo to EOF, closes, and
        prints {"sent": n, "received": n, "sent_sha256": h, "received_sha256": h}
    interop.py tcp-server HOST [CERT_FILE KEY_FILE]
        an echo server on port 0 (TLS when CERT_FILE is given) that serves
        one connection: it prints {"port": p}, echoes until EOF (or, over TLS,
        until the peer closes), then prints {"received": n, "received_sha256": h,
        "peername_host": ..., "tls_version": ...} and exits
    interop.py starttls-client HOST PORT SIZE CA_FILE SERVER_HOSTNAME
        connects in plain TCP, writes "STARTTLS\n", expects "OK\n", upgrades
        the connection with StreamWriter.start_tls (trusting only CA_FILE),
        then as tcp-client over TLS
    interop.py starttls-server HOST CERT_FILE KEY_FILE
        as tcp-server in plain TCP, until the client's "STARTTLS\n": answers
        "OK\n", upgrades with StreamWriter.start_tls (server side), then echoes
    interop.py udp-client HOST PORT COUNT
        sends COUNT datagrams "datagram <i>" from a connected endpoint, waits
        for each echo (re-sending up to 5 times on a 0.5 s timeout: UDP may
        drop), prints {"echoed": [...]} in arrival order
    interop.py udp-server HOST COUNT
        an echo endpoint on port 0: prints {"port": p}, echoes datagrams back
        to their sender until it has echoed COUNT distinct ones, prints
        {"received": [...]} and exits

A HOST that starts with "/" is a Unix socket path (PORT is then ignored;
the server prints {"port": null}).

Every line printed is one JSON object; errors go to stderr and exit 1.
"""
import asyncio
import hashlib
import json
import random
import ssl
import sys


def emit(obj):
    print(json.dumps(obj), flush=True)


def payload(size):
    rng = random.Random(4)
    return rng.randbytes(size)


async def tcp_client(host, port, size, cafile=None, server_hostname=None, starttls=False):
    context = None
    if cafile is not None:
        context = ssl.create_default_context(cafile=cafile)
    data = payload(size)
    if starttls:
        reader, writer = await asyncio.open_connection(host, port)
        writer.write(b"STARTTLS\n")
        await writer.drain()
        answer = await reader.readline()
        if answer != b"OK\n":
            raise RuntimeError(f"STARTTLS answered {answer!r}")
        await writer.start_tls(context, server_hostname=server_hostname)
    elif host.startswith("/"):
        reader, writer = await asyncio.open_unix_connection(host)
    else:
        reader, writer = await asyncio.open_connection(
            host, port, ssl=context, server_hostname=server_hostname if context else None)

    received = bytearray()

    async def read_all():
        if context is None:
            while chunk := await reader.read(65536):
                received.extend(chunk)
        else:
            received.extend(await reader.readexactly(size))

    reading = asyncio.create_task(read_all())
    for i in range(0, size, 65536):
        writer.write(data[i:i + 65536])
        await writer.drain()
    if writer.can_write_eof():
        writer.write_eof()
    await reading
    writer.close()
    try:
        await writer.wait_closed()
    except (ConnectionResetError, ssl.SSLError):
        pass
    emit({
        "sent": len(data),
        "received": len(received),
        "sent_sha256": hashlib.sha256(data).hexdigest(),
        "received_sha256": hashlib.sha256(received).hexdigest(),
    })


async def tcp_server(host, certfile=None, keyfile=None, starttls=False):
    context = None
    if certfile is not None:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(certfile, keyfile)
    done = asyncio.get_running_loop().create_future()

    async def handle(reader, writer):
        h = hashlib.sha256()
        n = 0
        try:
            if starttls:
                line = await reader.readline()
                if line != b"STARTTLS\n":
                    raise RuntimeError(f"expected STARTTLS, got {line!r}")
                writer.write(b"OK\n")
                await writer.drain()
                await writer.start_tls(context)
            while chunk := await reader.read(65536):
                h.update(chunk)
                n += len(chunk)
                writer.write(chunk)
                await writer.drain()
            if writer.can_write_eof():
                writer.write_eof()
        finally:
            ssl_object = writer.get_extra_info("ssl_object")
            peername = writer.get_extra_info("peername")
            result = {
                "received": n,
                "received_sha256": h.hexdigest(),
                "peername_host": peername[0] if isinstance(peername, tuple) else peername,
                "tls_version": ssl_object.version() if ssl_object else None,
            }
            writer.close()
            try:
                await writer.wait_closed()
            except (ConnectionResetError, ssl.SSLError):
                pass
            if not done.done():
                done.set_result(result)

    if host.startswith("/"):
        server = await asyncio.start_unix_server(handle, host)
        emit({"port": None})
    else:
        server = await asyncio.start_server(handle, host, 0, ssl=None if starttls else context)
        emit({"port": server.sockets[0].getsockname()[1]})
    async with server:
        emit(await done)


class UdpClient(asyncio.DatagramProtocol):
    def __init__(self):
        self.queue = asyncio.Queue()

    def datagram_received(self, data, addr):
        self.queue.put_nowait(data.decode())

    def error_received(self, exc):
        print(f"error_received: {exc!r}", file=sys.stderr)


async def udp_client(host, port, count):
    loop = asyncio.get_running_loop()
    transport, protocol = await loop.create_datagram_endpoint(UdpClient, remote_addr=(host, port))
    echoed = []
    try:
        for i in range(count):
            message = f"datagram {i}"
            for attempt in range(5):
                transport.sendto(message.encode())
                try:
                    while True:
                        got = await asyncio.wait_for(protocol.queue.get(), 0.5)
                        if got not in echoed:
                            echoed.append(got)
                        if got == message:
                            break
                    break
                except TimeoutError:
                    continue
            else:
                raise RuntimeError(f"no echo of {message!r} after 5 attempts")
    finally:
        transport.close()
    emit({"echoed": echoed})


class UdpServer(asyncio.DatagramProtocol):
    def __init__(self, count, done):
        self.count = count
        self.done = done
        self.received = []

    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, addr):
        message = data.decode()
        if message not in self.received:
            self.received.append(message)
        self.transport.sendto(data, addr)
        if len(self.received) >= self.count and not self.done.done():
            self.done.set_result(None)


async def udp_server(host, count):
    loop = asyncio.get_running_loop()
    done = loop.create_future()
    transport, protocol = await loop.create_datagram_endpoint(
        lambda: UdpServer(count, done), local_addr=(host, 0))
    emit({"port": transport.get_extra_info("sockname")[1]})
    try:
        await done
        # Echoes of re-sent datagrams may still be asked for: linger a little.
        await asyncio.sleep(0.2)
    finally:
        transport.close()
    emit({"received": protocol.received})


def main(argv):
    mode, args = argv[1], argv[2:]
    if mode == "tcp-client":
        coro = tcp_client(args[0], int(args[1]), int(args[2]), *args[3:5])
    elif mode == "tcp-server":
        coro = tcp_server(args[0], *args[1:3])
    elif mode == "starttls-client":
        coro = tcp_client(args[0], int(args[1]), int(args[2]), args[3], args[4], starttls=True)
    elif mode == "starttls-server":
        coro = tcp_server(args[0], args[1], args[2], starttls=True)
    elif mode == "udp-client":
        coro = udp_client(args[0], int(args[1]), int(args[2]))
    elif mode == "udp-server":
        coro = udp_server(args[0], int(args[1]))
    else:
        raise SystemExit(f"unknown mode {mode}")
    asyncio.run(coro)


if __name__ == "__main__":
    main(sys.argv)
