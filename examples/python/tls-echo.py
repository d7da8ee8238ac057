# Python twin of examples/src/tls-echo.ts: the streams echo of
# tcp-echo-streams.py over TLS, with the test CA and server certificate of
# packages/conformance/fixtures/tls/ (test use only: their keys are public).
# The server loads the certificate chain; the client trusts only the test CA
# and checks the server's name (`localhost`).
#
# As in tcp-echo-streams.py: port 0, peernames print their host only, and each
# side's lines are printed after the exchange, server first.
import asyncio
import pathlib
import ssl

FIXTURES = pathlib.Path(__file__).resolve().parent.parent.parent / "packages" / "conformance" / "fixtures" / "tls"

lines = {"server": [], "client": []}

def log(side, text):
    lines[side].append(text)

async def handle_echo(reader, writer):
    data = await reader.read(100)
    message = data.decode()
    addr = writer.get_extra_info("peername")
    log("server", f"Received {message!r} from {addr[0]} over {writer.get_extra_info('ssl_object').version()}")
    log("server", f"Send: {message!r}")
    writer.write(data)
    await writer.drain()
    log("server", "Close the connection")
    writer.close()
    await writer.wait_closed()

async def tls_echo_client(message, port, context):
    reader, writer = await asyncio.open_connection(
        "127.0.0.1", port, ssl=context, server_hostname="localhost")
    cert = writer.get_extra_info("peercert")
    subject = dict(pair for rdn in cert["subject"] for pair in rdn)
    log("client", f"Connected to {subject['commonName']} over {writer.get_extra_info('ssl_object').version()}")
    log("client", f"Send: {message!r}")
    writer.write(message.encode())
    await writer.drain()
    data = await reader.read(100)
    log("client", f"Received: {data.decode()!r}")
    log("client", "Close the connection")
    writer.close()
    await writer.wait_closed()

async def main():
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(FIXTURES / "server.pem", FIXTURES / "server-key.pem")
    client_context = ssl.create_default_context(cafile=FIXTURES / "ca.pem")

    server = await asyncio.start_server(handle_echo, "127.0.0.1", 0, ssl=server_context)
    port = server.sockets[0].getsockname()[1]
    async with server:
        await tls_echo_client("Hello TLS!", port, client_context)
    for side in ("server", "client"):
        print(f"-- {side} --")
        for line in lines[side]:
            print(line)

asyncio.run(main())
