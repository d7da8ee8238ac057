# Python twin of examples/src/tcp-echo-protocol.ts: the reference's "TCP Echo
# Server" and "TCP Echo Client" (asyncio-protocol, Examples) in one program.
#
# Differences from the reference, so that the output is deterministic: the
# server listens on port 0 (any free port) instead of 8888; peernames print
# their host only (ports vary); and each side records its lines, printed
# after the exchange, server first, because the order in which the two
# sides' callbacks interleave depends on the scheduling of the accept and
# the connect, not on the program.
import asyncio

lines = {"server": [], "client": []}

def log(side, text):
    lines[side].append(text)

class EchoServerProtocol(asyncio.Protocol):
    def connection_made(self, transport):
        peername = transport.get_extra_info("peername")
        log("server", f"Connection from {peername[0]}")
        self.transport = transport

    def data_received(self, data):
        message = data.decode()
        log("server", f"Data received: {message!r}")
        log("server", f"Send: {message!r}")
        self.transport.write(data)
        log("server", "Close the client socket")
        self.transport.close()

class EchoClientProtocol(asyncio.Protocol):
    def __init__(self, message, on_con_lost):
        self.message = message
        self.on_con_lost = on_con_lost

    def connection_made(self, transport):
        transport.write(self.message.encode())
        log("client", f"Data sent: {self.message!r}")

    def data_received(self, data):
        log("client", f"Data received: {data.decode()!r}")

    def connection_lost(self, exc):
        log("client", "The server closed the connection")
        self.on_con_lost.set_result(True)

async def main():
    loop = asyncio.get_running_loop()
    server = await loop.create_server(EchoServerProtocol, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]

    on_con_lost = loop.create_future()
    message = "Hello World!"
    transport, protocol = await loop.create_connection(
        lambda: EchoClientProtocol(message, on_con_lost), "127.0.0.1", port)
    try:
        await on_con_lost
    finally:
        transport.close()
    server.close()
    await server.wait_closed()

    for side in ("server", "client"):
        print(f"-- {side} --")
        for line in lines[side]:
            print(line)

asyncio.run(main())
