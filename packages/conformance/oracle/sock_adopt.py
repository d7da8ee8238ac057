"""The Python twin of the `sock=` trace test in src/net/server.suite.ts: what
asyncio 3.11 does with sockets the caller made and gave with sock=. A bound
stream socket is listened on only when serving starts, made non-blocking,
is sockets[0], and is closed by server.close(); a connected datagram socket
keeps its peer, and sendto() sends to the peer whatever address it is given
(3.11's send() path); closing the transport closes the socket.
Run: python3 sock_adopt.py"""
import asyncio
import socket

trace = []


class Echo(asyncio.Protocol):
    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        self.transport.write(data)


class Quiet(asyncio.DatagramProtocol):
    pass


def drain(sock):
    got = []
    while True:
        try:
            got.append(sock.recv(100).decode())
        except BlockingIOError:
            return got


async def main():
    loop = asyncio.get_running_loop()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(('127.0.0.1', 0))
    server = await loop.create_server(Echo, sock=sock, start_serving=False)
    trace.append(f'listening before start: {sock.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN)}')
    await server.start_serving()
    trace.append(f'listening after start: {sock.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN)} blocking: {sock.getblocking()}')
    trace.append(f'sockets[0] is sock: {server.sockets[0].fileno() == sock.fileno()}')
    reader, writer = await asyncio.open_connection(*sock.getsockname())
    writer.write(b'hi')
    trace.append(f'echo: {(await reader.readexactly(2)).decode()}')
    writer.close()
    await writer.wait_closed()
    server.close()
    await server.wait_closed()
    trace.append(f'server closed, sock fileno: {sock.fileno()}')

    peer = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    peer.bind(('127.0.0.1', 0))
    peer.setblocking(False)
    other = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    other.bind(('127.0.0.1', 0))
    other.setblocking(False)
    dgram = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    dgram.connect(peer.getsockname())
    transport, _ = await loop.create_datagram_endpoint(Quiet, sock=dgram)
    trace.append(f'peername is the peer: {transport.get_extra_info("peername") == peer.getsockname()}')
    trace.append(f'socket extra is sock: {transport.get_extra_info("socket").fileno() == dgram.fileno()}')
    transport.sendto(b'no-address')
    transport.sendto(b'other-address', other.getsockname())
    got = []
    while len(got) < 2:
        await asyncio.sleep(0.01)
        got += drain(peer)
    trace.append(f'peer got: {",".join(got)}; other got: {",".join(drain(other)) or "nothing"}')
    transport.close()
    await asyncio.sleep(0)
    trace.append(f'transport closed, sock fileno: {dgram.fileno()}')
    peer.close()
    other.close()


asyncio.run(main())
for line in trace:
    print(line)
