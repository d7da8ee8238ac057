"""fd watching and the sock_* coroutines (catalog IO-01, IO-04, IO-05,
SOCK-03, SOCK-06, SOCK-07, SOCK-09, SOCK-11, SOCK-02), on a stock
SelectorEventLoop with its iterations counted.

1. A reader whose fd is already readable runs in the first iteration, after
   the callbacks already ready and before the timers due (call_later(0)).
2. A second add_reader replaces the first; remove_* say whether there was
   something to remove.
3. sock_recv that can complete at once takes no iteration and registers
   nothing; one that waits is woken in the iteration after the data came.
4. Two pending sock_recv: the second replaces the first, which stays pending
   until cancelled; cancelling it does not disturb a later sock_recv.
5. sock_connect refused -> ConnectionRefusedError; sock_accept gives a
   non-blocking socket; in debug mode a blocking socket -> ValueError."""
import asyncio
import socket

from oracle_loop import count_iterations

loop = asyncio.new_event_loop()
its = count_iterations(loop)
log = []


def note(what):
    log.append(f'it{its[0]} {what}')


# 1. ordering within one iteration
r, w = socket.socketpair()
r.setblocking(False)
w.setblocking(False)
w.send(b'x')
loop.call_soon(note, 'soon')


def reader(tag):
    note(f'reader {tag} {r.recv(10)!r}')
    loop.remove_reader(r)


loop.add_reader(r, reader, 'a')
loop.call_later(0, note, 'later0')
loop.call_later(0.05, loop.stop)
loop.run_forever()
print('1.', ' | '.join(log))
log.clear()

# 2. replace and remove
its[0] = 0
print('2. remove_reader unknown:', loop.remove_reader(r), '| remove_writer unknown:', loop.remove_writer(w))
loop.add_reader(r, lambda: note('first'))
loop.add_reader(r, lambda: (note('second'), loop.remove_reader(r)))
w.send(b'y')
loop.call_later(0.05, loop.stop)
loop.run_forever()
r.recv(10)
print('2.', ' | '.join(log), '| remove_reader again:', loop.remove_reader(r))
log.clear()


# 3. fast path and waiting path
async def fast_and_wait():
    w.send(b'now')
    start = its[0]
    data = await loop.sock_recv(r, 10)
    print('3. immediate:', data, 'iterations taken:', its[0] - start, '| reader left:', loop.remove_reader(r))
    pending = asyncio.ensure_future(loop.sock_recv(r, 10))
    await asyncio.sleep(0)
    loop.call_soon(w.send, b'later')
    print('3. waited:', await pending, '| reader left:', loop.remove_reader(r))

loop.run_until_complete(fast_and_wait())


# 4. two pending receivers
async def two_receivers():
    t1 = asyncio.ensure_future(loop.sock_recv(r, 100))
    await asyncio.sleep(0)
    t2 = asyncio.ensure_future(loop.sock_recv(r, 100))
    await asyncio.sleep(0)
    w.send(b'hello')
    print('4. second got:', await t2)
    await asyncio.sleep(0.02)
    print('4. first done:', t1.done())
    t1.cancel()
    await asyncio.sleep(0)
    t3 = asyncio.ensure_future(loop.sock_recv(r, 100))
    await asyncio.sleep(0)
    w.send(b'again')
    print('4. first cancelled:', t1.cancelled(), '| third got:', await t3)

loop.run_until_complete(two_receivers())
r.close()
w.close()


# 5. connect, accept, debug
async def connect_accept():
    l = socket.socket()
    l.bind(('127.0.0.1', 0))
    addr = l.getsockname()
    s = socket.socket()
    s.setblocking(False)
    try:
        await loop.sock_connect(s, addr)
    except OSError as e:
        print('5. refused:', type(e).__name__, e.errno == 111)
    s.close()
    l.listen(1)
    l.setblocking(False)
    c = socket.socket()
    c.setblocking(False)
    accepting = asyncio.ensure_future(loop.sock_accept(l))
    await loop.sock_connect(c, addr)
    conn, peer = await accepting
    print('5. accepted non-blocking:', conn.gettimeout() == 0, '| peer is client:', peer == c.getsockname())
    conn.close()
    c.close()
    b = socket.socket()
    loop.set_debug(True)
    try:
        await loop.sock_recv(b, 1)
    except ValueError as e:
        print('5. debug, blocking socket:', type(e).__name__, e)
    loop.set_debug(False)
    b.close()
    l.close()

loop.run_until_complete(connect_accept())
loop.close()
