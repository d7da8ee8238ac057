# Python twin of examples/src/tcp-echo-streams.ts: the reference's "TCP echo
# client using streams" and "TCP echo server using streams" (asyncio-stream,
# Examples) in one program.
#
# As in tcp-echo-protocol.py: port 0 instead of 8888, peernames print their
# host only, and each side's lines are printed after the exchange, server
# first, so that the output does not depend on how the two sides interleave.
import asyncio

lines = {"server": [], "client": []}

def log(side, text):
    lines[side].append(text)

async def handle_echo(reader, writer):
    data = await reader.read(100)
    message = data.decode()
    addr = writer.get_extra_info("peername")
    log("server", f"Received {message!r} from {addr[0]}")
    log("server", f"Send: {message!r}")
    writer.write(data)
    await writer.drain()
    log("server", "Close the connection")
    writer.close()
    await writer.wait_closed()

async def tcp_echo_client(message, port):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    log("client", f"Send: {message!r}")
    writer.write(message.encode())
    await writer.drain()
    data = await reader.read(100)
    log("client", f"Received: {data.decode()!r}")
    log("client", "Close the connection")
    writer.close()
    await writer.wait_closed()

async def main():
    server = await asyncio.start_server(handle_echo, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        await tcp_echo_client("Hello World!", port)
    for side in ("server", "client"):
        print(f"-- {side} --")
        for line in lines[side]:
            print(line)

asyncio.run(main())
