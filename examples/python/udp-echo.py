# Python twin of examples/src/udp-echo.ts: the reference's "UDP Echo Server"
# and "UDP Echo Client" (asyncio-protocol, Examples) in one program.
#
# As in tcp-echo-protocol.py: port 0 instead of 9999, addresses print their
# host only, and each side's lines are printed after the exchange, server
# first. The server runs until the client is done instead of for an hour,
# and both protocols extend asyncio.DatagramProtocol (the reference's server
# protocol is a plain class, which lacks connection_lost for the close).
import asyncio

lines = {"server": [], "client": []}

def log(side, text):
    lines[side].append(text)

class EchoServerProtocol(asyncio.DatagramProtocol):
    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, addr):
        message = data.decode()
        log("server", "Received %r from %s" % (message, addr[0]))
        log("server", "Send %r to %s" % (message, addr[0]))
        self.transport.sendto(data, addr)

class EchoClientProtocol(asyncio.DatagramProtocol):
    def __init__(self, message, on_con_lost):
        self.message = message
        self.on_con_lost = on_con_lost
        self.transport = None

    def connection_made(self, transport):
        self.transport = transport
        log("client", f"Send: {self.message}")
        self.transport.sendto(self.message.encode())

    def datagram_received(self, data, addr):
        log("client", f"Received: {data.decode()}")
        log("client", "Close the socket")
        self.transport.close()

    def error_received(self, exc):
        log("client", f"Error received: {exc}")

    def connection_lost(self, exc):
        log("client", "Connection closed")
        self.on_con_lost.set_result(True)

async def main():
    loop = asyncio.get_running_loop()
    server_transport, _ = await loop.create_datagram_endpoint(
        EchoServerProtocol, local_addr=("127.0.0.1", 0))
    port = server_transport.get_extra_info("sockname")[1]

    on_con_lost = loop.create_future()
    message = "Hello World!"
    transport, protocol = await loop.create_datagram_endpoint(
        lambda: EchoClientProtocol(message, on_con_lost),
        remote_addr=("127.0.0.1", port))
    try:
        await on_con_lost
    finally:
        transport.close()
        server_transport.close()

    for side in ("server", "client"):
        print(f"-- {side} --")
        for line in lines[side]:
            print(line)

asyncio.run(main())
