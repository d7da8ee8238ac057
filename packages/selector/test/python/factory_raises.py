"""The Python twin of the "protocol factory that throws" test in test/stream-sockets.test.ts:
asyncio 3.11's _accept_connection2 when protocol_factory raises. Run: python3 factory_raises.py
Prints: debug False: no handler call, the client reads EOF (the socket is collected);
debug True: one handler call 'Error on transport creation for incoming connection' (ValueError,
no protocol key), the client's read times out (the traceback keeps the socket alive: a GC
artefact; the selector loop closes the connection at once in both modes)."""
import asyncio, socket
async def main(debug):
    loop = asyncio.get_running_loop()
    loop.set_debug(debug)
    handled = []
    loop.set_exception_handler(lambda _l, ctx: handled.append((ctx['message'], type(ctx.get('exception')).__name__, 'protocol' in ctx)))
    def factory():
        raise ValueError('boom')
    server = await loop.create_server(factory, '127.0.0.1', 0)
    port = server.sockets[0].getsockname()[1]
    r, w = await asyncio.open_connection('127.0.0.1', port)
    try:
        data = await asyncio.wait_for(r.read(10), 1)
    except TimeoutError:
        data = 'timeout'
    print('debug', debug, 'handled', handled, 'client read', data)
    w.close()
    server.close()
for d in (False, True):
    asyncio.run(main(d))
