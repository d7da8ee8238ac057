"""The Python twin of the TLS, sendfile and write_eof cases of the write-errors suite
(src/net/write-errors.suite.ts): asyncio 3.11's behaviour when the peer resets.

Run: python3 oracle/write_paths.py     (CASES=ABCDEFGH to choose, DEBUG=1 for debug mode)

The peer resets by aborting with our data unread (the kernel sends RST), as the suite does.
CPython 3.11 printed (errno 104 = ECONNRESET, 32 = EPIPE):

A tls lost: ConnectionResetError(104) [Errno 104] Connection reset by peer closing True events ['made', 'lost:ConnectionResetError(104) ...']
A warnings after writes 1..7: [0, 0, 0, 0, 1, 2, 3] []
A write_eof: NotImplementedError
B tls close then reset lost: ConnectionResetError(104) ... ['made', 'lost:ConnectionResetError(104) ...'] []
C pending drain: ConnectionResetError(104) ...
C read: ConnectionResetError(104) ...
C drain: ConnectionResetError(104) ...
C closing True
C wait_closed: ConnectionResetError(104) ...
D sendfile tls=False: raised ConnectionResetError(104) [Errno 104] Connection reset by peer pos>0 True
D closing False events now ['made']
D events ['made', 'eof', 'lost:None'] []
D sendfile tls=True: raised ConnectionError(None) Connection closed by peer pos>0 True
D closing True events now ['made', 'lost:ConnectionResetError(104) ...']
D events ['made', 'lost:ConnectionResetError(104) ...'] []
D sendfile tls=False fallback: raised ConnectionError(None) Connection closed by peer pos>0 True
D closing True events now ['made', 'lost:ConnectionResetError(104) ...']
D events ['made', 'lost:ConnectionResetError(104) ...'] []
E write_eof then reset: ConnectionResetError(104) ... ['made', 'lost:ConnectionResetError(104) ...']
E write after eof: RuntimeError Cannot call write() after write_eof()
E write_eof after close: no raise; closing True
E write_eof after lost: no raise None
F reset before sendfile, fallback=True: raised ConnectionError: Connection closed by peer; closing True ['lost:BrokenPipeError(32) [Errno 32] Broken pipe']
F reset before sendfile, fallback=False: raised SendfileNotAvailableError: os.sendfile call failed; closing False []; then close(): ['lost:None']
G write_eof on a reset peer, unseen: raised OSError(107) [Errno 107] Transport endpoint is not connected; closing False; write: RuntimeError Cannot call write() after write_eof()
G after resume_reading: ['lost:ConnectionResetError(104) [Errno 104] Connection reset by peer']
H sendfile tls=False with 32 MiB buffered, then a reset: raised ConnectionResetError(104) [Errno 104] Connection reset by peer
H events ['made', 'lost:ConnectionResetError(104) ...']
H sendfile tls=True with 32 MiB buffered, then a reset: raised ConnectionResetError(104) ... (in some runs ConnectionError(None) Connection closed by peer)
H events ['made', 'lost:ConnectionResetError(104) ...']
handler calls ["Exception in callback _SelectorSocketTransport._call_connection_lost(ConnectionRes...eset by peer'))"]

(D's third line is the read-and-write fallback on a plain TCP transport, what the proactor uses:
asyncio's selector loop is forced onto it by making _sendfile_native unavailable.
The handler call is a CPython 3.11 bug in case H's native path: _write_ready fails the empty waiter
with the send's error, then _call_connection_lost sets an exception on it again (InvalidStateError);
the selector loop here fails the waiter once. Over TLS, asyncio's fallback does not wait for the
paused SSL transport (it reads `_protocol_paused`, a plain transport's flag), so it writes on, and
whether the loss or its next drain() comes first is a matter of timing.)
"""
import asyncio, logging, os, socket, ssl, struct, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
TLS = os.path.join(HERE, '..', 'fixtures', 'tls')

warnings = []
class H(logging.Handler):
    def emit(self, r):
        warnings.append((r.levelname, r.getMessage()))
logging.getLogger('asyncio').addHandler(H())
logging.getLogger('asyncio').setLevel(logging.DEBUG)

def sctx():
    c = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    c.load_cert_chain(os.path.join(TLS, 'server.pem'), os.path.join(TLS, 'server-key.pem'))
    return c

def cctx():
    c = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    c.load_verify_locations(os.path.join(TLS, 'ca.pem'))
    return c

def name(e):
    return 'None' if e is None else f'{type(e).__name__}({e.errno if isinstance(e, OSError) else ""}) {e}'

class Staller(asyncio.Protocol):
    def __init__(self, made):
        self.made = made
    def connection_made(self, tr):
        self.tr = tr
        tr.pause_reading()
        self.made.set_result(self)

class Client(asyncio.Protocol):
    def __init__(self, loop):
        self.lost = loop.create_future()
        self.events = []
        self.paused = False
    def connection_made(self, tr):
        self.events.append('made')
    def data_received(self, d):
        self.events.append('data')
    def eof_received(self):
        self.events.append('eof')
    def pause_writing(self):
        self.paused = True
    def resume_writing(self):
        self.paused = False
    def connection_lost(self, exc):
        self.events.append('lost:' + name(exc))
        if not self.lost.done():
            self.lost.set_result(exc)

async def stalled_pair(loop, tls):
    made = loop.create_future()
    srv = await loop.create_server(lambda: Staller(made), '127.0.0.1', 0, ssl=sctx() if tls else None)
    port = srv.sockets[0].getsockname()[1]
    cl = Client(loop)
    tr, _ = await loop.create_connection(lambda: cl, '127.0.0.1', port, ssl=cctx() if tls else None, server_hostname='localhost' if tls else None)
    st = await made
    return srv, tr, cl, st

def fill(tr, cl):
    big = b'x' * (1024 * 1024)
    while not cl.paused:
        tr.write(big)
    while tr.get_write_buffer_size() < 32 * 1024 * 1024:
        tr.write(big)

async def case_tls_writes(loop):
    warnings.clear()
    srv, tr, cl, st = await stalled_pair(loop, True)
    fill(tr, cl)
    st.tr.abort()
    exc = await cl.lost
    print('A tls lost:', name(exc), 'closing', tr.is_closing(), 'events', cl.events)
    counts = []
    for i in range(1, 8):
        tr.write(b'dropped')
        counts.append(len([w for w in warnings if 'SSL connection is closed' in w[1]]))
    print('A warnings after writes 1..7:', counts, [w for w in warnings if 'SSL' not in w[1]])
    try:
        tr.write_eof()
    except Exception as e:
        print('A write_eof:', type(e).__name__)
    tr.close()
    srv.close(); await srv.wait_closed()

async def case_tls_close(loop):
    warnings.clear()
    srv, tr, cl, st = await stalled_pair(loop, True)
    fill(tr, cl)
    tr.close()
    st.tr.abort()
    exc = await cl.lost
    await asyncio.sleep(0)
    print('B tls close then reset lost:', name(exc), cl.events, warnings)
    srv.close(); await srv.wait_closed()

async def case_tls_streams(loop):
    made = loop.create_future()
    async def handler(r, w):
        w.transport.pause_reading()
        made.set_result(w)
    srv = await asyncio.start_server(handler, '127.0.0.1', 0, ssl=sctx())
    port = srv.sockets[0].getsockname()[1]
    r, w = await asyncio.open_connection('127.0.0.1', port, ssl=cctx(), server_hostname='localhost')
    sw = await made
    big = b'x' * (1024 * 1024)
    while w.transport.get_write_buffer_size() < 32 * 1024 * 1024:
        w.write(big)
    d = asyncio.ensure_future(w.drain())
    await asyncio.sleep(0)
    sw.transport.abort()
    try:
        await d
        print('C pending drain: ok')
    except Exception as e:
        print('C pending drain:', name(e))
    try:
        await r.read(100)
        print('C read ok')
    except Exception as e:
        print('C read:', name(e))
    try:
        await w.drain()
        print('C drain ok')
    except Exception as e:
        print('C drain:', name(e))
    print('C closing', w.is_closing())
    w.write(b'more')
    w.close()
    try:
        await w.wait_closed()
        print('C wait_closed ok')
    except Exception as e:
        print('C wait_closed:', name(e))
    srv.close(); await srv.wait_closed()

class Sink(asyncio.Protocol):
    def __init__(self, limit):
        self.n = 0; self.limit = limit
    def connection_made(self, tr):
        self.tr = tr
    def data_received(self, d):
        self.n += len(d)
        if self.n > self.limit:
            self.tr.pause_reading()
            self.tr.abort()

async def case_sendfile(loop, tls, fallback=True, force_fallback=False):
    warnings.clear()
    srv = await loop.create_server(lambda: Sink(256 * 1024), '127.0.0.1', 0, ssl=sctx() if tls else None)
    port = srv.sockets[0].getsockname()[1]
    cl = Client(loop)
    tr, _ = await loop.create_connection(lambda: cl, '127.0.0.1', port, ssl=cctx() if tls else None, server_hostname='localhost' if tls else None)
    if force_fallback:
        async def unavailable(*args):
            raise asyncio.SendfileNotAvailableError('forced')
        loop._sendfile_native = unavailable
    with tempfile.TemporaryFile() as f:
        f.write(os.urandom(32 * 1024 * 1024)); f.flush(); f.seek(0)
        try:
            n = await loop.sendfile(tr, f, fallback=fallback)
            print('D sendfile ok', n)
        except Exception as e:
            print(f'D sendfile tls={tls}{" fallback" if force_fallback else ""}: raised', name(e), 'pos>0', f.tell() > 0)
        if force_fallback:
            del loop._sendfile_native
        print('D closing', tr.is_closing(), 'events now', cl.events)
        try:
            await asyncio.wait_for(asyncio.shield(cl.lost), 2)
        except asyncio.TimeoutError:
            print('D no connection_lost within 2 s; closing')
            tr.close()
            await cl.lost
        await asyncio.sleep(0)
        print('D events', cl.events, [w for w in warnings])
    srv.close(); await srv.wait_closed()

async def case_write_eof(loop):
    warnings.clear()
    srv, tr, cl, st = await stalled_pair(loop, False)
    fill(tr, cl)
    tr.write_eof()
    st.tr.abort()
    exc = await cl.lost
    print('E write_eof then reset:', name(exc), cl.events)
    tr.write_eof()
    try:
        tr.write(b'x')
    except Exception as e:
        print('E write after eof:', type(e).__name__, e)
    srv.close(); await srv.wait_closed()
    # write_eof after close()
    srv, tr, cl, st = await stalled_pair(loop, False)
    tr.write(b'abc')
    tr.close()
    tr.write_eof()
    print('E write_eof after close: no raise; closing', tr.is_closing())
    exc = await cl.lost
    tr.write_eof()
    print('E write_eof after lost: no raise', name(exc))
    st.tr.close()
    srv.close(); await srv.wait_closed()

class Paused(asyncio.Protocol):
    def __init__(self, loop):
        self.events = []
        self.lost = loop.create_future()
    def connection_made(self, tr):
        tr.pause_reading()  # the transport does not see the reset by reading
    def eof_received(self):
        self.events.append('eof')
    def connection_lost(self, exc):
        self.events.append('lost:' + name(exc))
        self.lost.set_result(exc)

async def case_reset_before_sendfile(loop, fallback):
    gone = loop.create_future()
    def accept(r, w):
        w.get_extra_info('socket').setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
        w.transport.abort()
        gone.set_result(None)
    srv = await asyncio.start_server(accept, '127.0.0.1', 0)
    p = Paused(loop)
    tr, _ = await loop.create_connection(lambda: p, '127.0.0.1', srv.sockets[0].getsockname()[1])
    await gone
    await asyncio.sleep(0.05)
    with tempfile.TemporaryFile() as f:
        f.write(os.urandom(1024 * 1024)); f.flush(); f.seek(0)
        try:
            await loop.sendfile(tr, f, fallback=fallback)
            print('F sendfile ok')
        except Exception as e:
            line = f'F reset before sendfile, fallback={fallback}: raised {type(e).__name__}: {e}; closing {tr.is_closing()} {list(p.events)}'
        if not tr.is_closing():
            tr.close()
            await p.lost
            line += f'; then close(): {p.events}'
        await p.lost
        print(line)
    srv.close(); await srv.wait_closed()

async def case_write_eof_unseen_reset(loop):
    gone = loop.create_future()
    async def accept(r, w):
        await r.read(1)
        w.get_extra_info('socket').setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
        w.transport.abort()
        gone.set_result(None)
    srv = await asyncio.start_server(accept, '127.0.0.1', 0)
    p = Paused(loop)
    tr, _ = await loop.create_connection(lambda: p, '127.0.0.1', srv.sockets[0].getsockname()[1])
    tr.write(b'x')
    await gone
    await asyncio.sleep(0.05)
    try:
        tr.write_eof()
        line = 'G write_eof on a reset peer, unseen: no raise'
    except OSError as e:
        line = f'G write_eof on a reset peer, unseen: raised {name(e)}'
    line += f'; closing {tr.is_closing()}'
    try:
        tr.write(b'y')
    except RuntimeError as e:
        line += f'; write: RuntimeError {e}'
    print(line)
    tr.resume_reading()
    await p.lost
    print('G after resume_reading:', p.events)
    srv.close(); await srv.wait_closed()

async def case_sendfile_after_buffered(loop, tls):
    srv, tr, cl, st = await stalled_pair(loop, tls)
    tr.pause_reading()
    fill(tr, cl)
    with tempfile.TemporaryFile() as f:
        f.write(os.urandom(1024 * 1024)); f.flush(); f.seek(0)
        sent = asyncio.ensure_future(loop.sendfile(tr, f))
        await asyncio.sleep(0)
        st.tr.abort()
        try:
            await sent
            print('H sendfile ok')
        except Exception as e:
            print(f'H sendfile tls={tls} with 32 MiB buffered, then a reset: raised {name(e)}')
    exc = await cl.lost
    await asyncio.sleep(0.05)
    print('H events', cl.events)
    srv.close(); await srv.wait_closed()

async def main():
    loop = asyncio.get_running_loop()
    handler_calls = []
    loop.set_exception_handler(lambda l, c: handler_calls.append(c['message']))
    which = os.environ.get('CASES', 'ABCDEFGH')
    if 'A' in which: await case_tls_writes(loop)
    if 'B' in which: await case_tls_close(loop)
    if 'C' in which: await case_tls_streams(loop)
    if 'D' in which:
        await case_sendfile(loop, False)
        await case_sendfile(loop, True)
        await case_sendfile(loop, False, force_fallback=True)
    if 'E' in which: await case_write_eof(loop)
    if 'F' in which:
        await case_reset_before_sendfile(loop, True)
        await case_reset_before_sendfile(loop, False)
    if 'G' in which: await case_write_eof_unseen_reset(loop)
    if 'H' in which:
        await case_sendfile_after_buffered(loop, False)
        await case_sendfile_after_buffered(loop, True)
    print('handler calls', handler_calls)

debug = os.environ.get('DEBUG') == '1'
asyncio.run(main(), debug=debug)
