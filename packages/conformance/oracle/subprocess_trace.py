"""The order of a SubprocessProtocol's callbacks (asyncio 3.11), the twin of
SUB-01 in src/net/subprocess.suite.ts.

The child and the parent take turns through the child's stdin, so that every
step is decided by the previous one and the trace is deterministic:

  child: read s; printf out; read a; printf err >&2; read b; exec 1>&-; read c;
         exec 2>&-; read d; exit 3
  parent: sends the first line once subprocess_exec returned, answers each
          event with the next line, and after the last one closes stdin.

    python3 oracle/subprocess_trace.py
"""
import asyncio

SCRIPT = 'read s; printf out; read a; printf err >&2; read b; exec 1>&-; read c; exec 2>&-; read d; exit 3'


class Recorder(asyncio.SubprocessProtocol):
    def __init__(self, loop, trace):
        self.trace = trace
        self.transport = None
        self.done = loop.create_future()

    def send(self, line):
        self.transport.get_pipe_transport(0).write(line)

    def connection_made(self, transport):
        self.transport = transport
        self.trace.append('connection_made')

    def pipe_data_received(self, fd, data):
        self.trace.append(f'pipe_data_received {fd} {data!r}')
        self.send(b'a\n' if fd == 1 else b'b\n')

    def pipe_connection_lost(self, fd, exc):
        self.trace.append(f'pipe_connection_lost {fd} {exc!r}')
        if fd == 1:
            self.send(b'c\n')
        elif fd == 2:
            self.send(b'd\n')
            self.transport.get_pipe_transport(0).close()

    def process_exited(self):
        self.trace.append(f'process_exited returncode={self.transport.get_returncode()}')

    def connection_lost(self, exc):
        self.trace.append(f'connection_lost {exc!r}')
        self.done.set_result(None)


async def main():
    loop = asyncio.get_running_loop()
    trace = []
    transport, protocol = await loop.subprocess_exec(lambda: Recorder(loop, trace), 'sh', '-c', SCRIPT)
    trace.append('subprocess_exec returned')
    protocol.send(b's\n')
    await protocol.done
    trace.append(f'returncode {transport.get_returncode()}')
    transport.close()
    for line in trace:
        print(line)


asyncio.run(main())
