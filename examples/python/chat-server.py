# Python twin of examples/src/chat-server.ts, the program that docs/porting.md
# moves from asyncio to @loop: a small line-based chat server.
#
#   - streams: asyncio.start_server; each client gets a handler task that
#     reads lines (StreamReader.readline) and broadcasts them to the others;
#   - a subprocess: the server's clock is read from `date`, run with
#     asyncio.create_subprocess_exec, when it starts and for "/who", which
#     also lists who is online;
#   - timeouts: asyncio.timeout drops a client that gives no name within
#     LOGIN_TIMEOUT, or that says nothing for IDLE_TIMEOUT;
#   - signals: SIGINT and SIGTERM close the server gracefully (every client
#     told, every connection closed, the server waited for).
#
# To make it a deterministic example, scripted clients run in the same
# process: alice and bob chat, bob asks /who, carol never gives her name and
# is dropped, then the program sends itself SIGTERM. Each party's lines are
# recorded and printed at the end, the server's first; the listening port is
# 0 and the date prints as <datetime> once normalised (examples/src/examples.ts).
import asyncio
import os
import signal
from asyncio.subprocess import PIPE

LOGIN_TIMEOUT = 0.5  # seconds to give a name
IDLE_TIMEOUT = 60.0  # seconds of silence before a client is dropped

server_log = []


class ChatServer:
    def __init__(self):
        self.clients = {}  # name -> StreamWriter
        self.closing = False

    async def send(self, writer, text):
        writer.write(f"{text}\n".encode())
        await writer.drain()

    async def broadcast(self, text, exclude=None):
        for name, writer in list(self.clients.items()):
            if name != exclude:
                await self.send(writer, text)

    async def now(self):
        proc = await asyncio.create_subprocess_exec(
            "date", "+%Y-%m-%d %H:%M:%S", stdout=PIPE)
        out, _ = await proc.communicate()
        return out.decode().strip()

    async def who(self):
        names = ", ".join(sorted(self.clients))
        return [f"online: {names}", f"server time: {await self.now()}"]

    async def handle(self, reader, writer):
        await self.send(writer, "Welcome! What is your name?")
        try:
            async with asyncio.timeout(LOGIN_TIMEOUT):
                name = (await reader.readline()).decode().strip()
        except TimeoutError:
            server_log.append("a connection gave no name in time: dropped")
            await self.send(writer, f"* no name within {LOGIN_TIMEOUT} s, bye")
            writer.close()
            await writer.wait_closed()
            return
        self.clients[name] = writer
        server_log.append(f"{name} joined")
        await self.broadcast(f"* {name} joined ({len(self.clients)} online)")
        reason = "left"
        try:
            while True:
                try:
                    async with asyncio.timeout(IDLE_TIMEOUT):
                        line = await reader.readline()
                except TimeoutError:
                    await self.send(writer, "* idle for too long, bye")
                    reason = "was idle for too long"
                    break
                if not line:
                    break
                text = line.decode().rstrip("\n")
                if text == "/who":
                    server_log.append(f"{name} ran /who")
                    for reply in await self.who():
                        await self.send(writer, reply)
                elif text == "/quit":
                    break
                else:
                    server_log.append(f"<{name}> {text}")
                    await self.broadcast(f"<{name}> {text}", exclude=name)
        finally:
            del self.clients[name]
            if not self.closing:
                server_log.append(f"{name} {reason}")
                await self.broadcast(f"* {name} {reason}")
                writer.close()
                await writer.wait_closed()

    async def close(self, why):
        self.closing = True
        writers = list(self.clients.values())
        for writer in writers:
            await self.send(writer, f"* server shutting down ({why})")
            writer.close()
        for writer in writers:
            await writer.wait_closed()
        server_log.append(f"closed {len(writers)} connections")


class Client:
    """A scripted client: records every line it receives."""

    def __init__(self, name, reader, writer):
        self.name, self.reader, self.writer = name, reader, writer
        self.lines = []

    @classmethod
    async def connect(cls, name, port):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        return cls(name, reader, writer)

    async def recv(self):
        line = await self.reader.readline()
        self.lines.append(line.decode().rstrip("\n") if line else "<EOF>")

    async def say(self, text):
        self.writer.write(f"{text}\n".encode())
        await self.writer.drain()

    async def close(self):
        self.writer.close()
        await self.writer.wait_closed()


async def scenario(port):
    alice = await Client.connect("alice", port)
    await alice.recv()  # Welcome!
    await alice.say("alice")
    await alice.recv()  # * alice joined (1 online)

    bob = await Client.connect("bob", port)
    await bob.recv()
    await bob.say("bob")
    await bob.recv()  # * bob joined (2 online)
    await alice.recv()  # * bob joined (2 online)

    await alice.say("hello, bob")
    await bob.recv()  # <alice> hello, bob
    await bob.say("/who")
    await bob.recv()  # online: alice, bob
    await bob.recv()  # server time: ...

    carol = await Client.connect("carol", port)
    await carol.recv()  # Welcome! ... and carol says nothing
    await carol.recv()  # * no name within 0.5 s, bye
    await carol.recv()  # <EOF>
    await carol.close()

    os.kill(os.getpid(), signal.SIGTERM)
    for client in (alice, bob):
        await client.recv()  # * server shutting down (SIGTERM)
        await client.recv()  # <EOF>
        await client.close()
    return [alice, bob, carol]


async def main():
    loop = asyncio.get_running_loop()
    chat = ChatServer()
    server = await asyncio.start_server(chat.handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    server_log.append(f"started at {await chat.now()}")

    stop = loop.create_future()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, lambda name=sig.name: stop.done() or stop.set_result(name))

    clients = asyncio.create_task(scenario(port))
    why = await stop
    server_log.append(f"got {why}: closing the server")
    server.close()
    await chat.close(why)
    await server.wait_closed()

    print("-- server --")
    for line in server_log:
        print(line)
    for client in await clients:
        print(f"-- {client.name} --")
        for line in client.lines:
            print(line)


asyncio.run(main())
