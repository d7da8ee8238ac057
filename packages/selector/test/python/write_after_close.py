"""The Python twin of the "write() after close() while flushing" test in test/stream-sockets.test.ts:
asyncio 3.11 buffers a write made after close() while the buffer is still being sent.
Run: python3 write_after_close.py
Prints: pending>0 True grew 4 received 4194308 tail ok True [('lost', None)]"""
import asyncio, socket
async def main():
    loop = asyncio.get_running_loop()
    a, b = socket.socketpair()
    events = []
    class P(asyncio.Protocol):
        def connection_lost(self, exc): events.append(('lost', exc))
    tr, _ = await loop.create_connection(P, sock=a)
    big = b'x' * (4 * 1024 * 1024)
    tr.write(big)
    pending = tr.get_write_buffer_size()
    tr.close()
    tr.write(b'tail')
    after = tr.get_write_buffer_size()
    b.setblocking(False)
    got = bytearray()
    while True:
        try:
            d = b.recv(1 << 20)
        except BlockingIOError:
            await asyncio.sleep(0.001); continue
        if not d: break
        got += d
    await asyncio.sleep(0.01)
    print('pending>0', pending > 0, 'grew', after - pending, 'received', len(got), 'tail ok', bytes(got[-4:]) == b'tail', events)
    b.close()
asyncio.run(main())
