"""The Python twin of D54 in test/libuv-deviations.test.ts: asyncio 3.11's trace
when a peer writes 5 bytes and resets (SO_LINGER 0). Run: python3 peer_reset.py
Prints: ['made', 'data:5', 'lost:ConnectionResetError'] and no handler call."""
import asyncio
import socket
import struct

events = []


class Recorder(asyncio.Protocol):
    def connection_made(self, transport):
        events.append('made')

    def data_received(self, data):
        events.append(f'data:{len(data)}')

    def eof_received(self):
        events.append('eof')

    def connection_lost(self, exc):
        events.append('lost:' + ('null' if exc is None else type(exc).__name__))


async def main():
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(lambda _loop, ctx: events.append('handler:' + ctx['message']))
    server = await loop.create_server(Recorder, '127.0.0.1', 0)
    port = server.sockets[0].getsockname()[1]
    client = socket.create_connection(('127.0.0.1', port))
    client.sendall(b'hello')
    client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
    client.close()
    for _ in range(100):
        if any(e.startswith('lost') for e in events):
            break
        await asyncio.sleep(0.02)
    server.close()
    print(events)


asyncio.run(main())
