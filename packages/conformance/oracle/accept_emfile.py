"""The Python twin of D53 in test/libuv-deviations.test.ts: asyncio 3.11 under
EMFILE. The server exhausts its descriptors but two, then 12 clients (another
process) connect. Run: python3 accept_emfile.py
Prints: the handler calls ('socket.accept() out of system resource', errno 24,
repeated while accepting retries every second) and the clients' fate: all
connected, none sees EOF (they wait in the listen backlog)."""
import asyncio
import json
import os
import subprocess
import sys

CLIENT = r'''
import json, socket, sys, time
port, n = map(int, sys.stdin.readline().split())
socks = [socket.create_connection(('127.0.0.1', port)) for _ in range(n)]
time.sleep(1)
eof = 0
for s in socks:
    s.setblocking(False)
    try:
        if s.recv(1) == b'':
            eof += 1
    except BlockingIOError:
        pass
print(json.dumps({'connected': n, 'eof': eof, 'open': n - eof}), flush=True)
'''

made = 0
handled = []


class Recorder(asyncio.Protocol):
    def connection_made(self, transport):
        global made
        made += 1


async def main():
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(lambda _loop, ctx: handled.append((ctx['message'], getattr(ctx.get('exception'), 'errno', None))))
    server = await loop.create_server(Recorder, '127.0.0.1', 0, backlog=64)
    port = server.sockets[0].getsockname()[1]
    child = subprocess.Popen([sys.executable, '-c', CLIENT], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    hog = []
    try:
        try:
            while True:
                hog.append(os.open('/dev/null', os.O_RDONLY))
        except OSError:
            pass
        for _ in range(2):
            os.close(hog.pop())
        child.stdin.write(f'{port} 12\n')
        child.stdin.flush()
        await asyncio.sleep(1.5)
    finally:
        for fd in hog:
            os.close(fd)
    line = child.stdout.readline()
    server.close()
    print('made', made, 'handler calls', len(handled), set(handled))
    print('clients', line.strip())


asyncio.run(main())
