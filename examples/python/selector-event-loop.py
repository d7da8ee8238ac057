# Python twin of examples/src/selector-event-loop.ts: the asyncio
# reference's "SelectorEventLoop(selector)" (asyncio-eventloop, Event Loop
# Implementations): a SelectorEventLoop over selectors.SelectSelector(),
# here running a small coroutine that sends and receives with the sock_*
# methods over a socketpair.
import asyncio
import selectors
import socket

selector = selectors.SelectSelector()
loop = asyncio.SelectorEventLoop(selector)


async def main():
    rsock, wsock = socket.socketpair()
    rsock.setblocking(False)
    wsock.setblocking(False)
    try:
        receiving = asyncio.ensure_future(loop.sock_recv(rsock, 100))
        await asyncio.sleep(0.01)
        await loop.sock_sendall(wsock, b'ping over select()')
        data = await receiving
        print('received:', data.decode())
        print('watched by:', type(selector).__name__)
        return 'done'
    finally:
        rsock.close()
        wsock.close()


try:
    print(loop.run_until_complete(main()))
finally:
    loop.close()
