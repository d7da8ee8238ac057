"""add_signal_handler / remove_signal_handler on CPython 3.11's Unix loop:
the asyncio side of src/net/signals.suite.ts (catalog.md SIG-01 to SIG-10).

    python3 oracle/signal_handlers.py

Prints one line per observation; the suite's comments quote them.
"""
import asyncio
import contextvars
import os
import signal
import threading


def say(*parts):
    print(*parts, flush=True)


def errors(loop):
    def h():
        pass

    async def coro():
        pass

    for call in (
        lambda: loop.add_signal_handler(signal.SIGUSR1, coro),
        lambda: loop.add_signal_handler('boom', coro),  # the coroutine check comes first
        lambda: loop.add_signal_handler('boom', h),
        lambda: loop.remove_signal_handler('boom'),
        lambda: loop.add_signal_handler(0, h),
        lambda: loop.add_signal_handler(-1, h),
        lambda: loop.add_signal_handler(signal.NSIG + 1, h),
        lambda: loop.remove_signal_handler(0),
        lambda: loop.add_signal_handler(signal.SIGKILL, h),
        lambda: loop.add_signal_handler(signal.SIGSTOP, h),
    ):
        try:
            call()
            say('no error')
        except Exception as e:
            say(type(e).__name__, str(e))
    say('remove SIGKILL ->', loop.remove_signal_handler(signal.SIGKILL))


def ordering(loop):
    order = []
    done = loop.create_future()

    def handler(*args):
        order.append(('handler',) + args)
        done.set_result(None)

    loop.add_signal_handler(signal.SIGHUP, handler, 42, 'x')

    def a():
        order.append('A')
        os.kill(os.getpid(), signal.SIGHUP)
        order.append('A after kill')
        loop.call_soon(lambda: order.append('B'))

    loop.call_soon(a)
    loop.run_until_complete(done)
    say('order', order)
    say('remove ->', loop.remove_signal_handler(signal.SIGHUP), loop.remove_signal_handler(signal.SIGHUP))


def context(loop):
    v = contextvars.ContextVar('v', default='default')
    token = v.set('at add')
    seen = []
    box = [loop.create_future()]

    def handler():
        seen.append(v.get())
        v.set('set by handler')
        box[0].set_result(None)

    loop.add_signal_handler(signal.SIGUSR2, handler)
    v.reset(token)
    os.kill(os.getpid(), signal.SIGUSR2)
    loop.run_until_complete(box[0])
    box[0] = loop.create_future()
    os.kill(os.getpid(), signal.SIGUSR2)
    loop.run_until_complete(box[0])
    say('context', seen, v.get())
    loop.remove_signal_handler(signal.SIGUSR2)


def replace(loop):
    seen = []
    done = loop.create_future()
    loop.add_signal_handler(signal.SIGWINCH, lambda: seen.append('first'))
    loop.add_signal_handler(signal.SIGWINCH, lambda: (seen.append('second'), done.set_result(None)))
    os.kill(os.getpid(), signal.SIGWINCH)
    loop.run_until_complete(done)
    loop.run_until_complete(asyncio.sleep(0))
    say('replace', seen)
    loop.remove_signal_handler(signal.SIGWINCH)


def not_running(loop):
    caught = []
    loop.add_signal_handler(signal.SIGUSR1, lambda: caught.append(1))
    os.kill(os.getpid(), signal.SIGUSR1)
    say('not running: before run', caught)
    loop.run_until_complete(asyncio.sleep(0.01))
    say('not running: after run', caught)
    loop.remove_signal_handler(signal.SIGUSR1)


def two_loops():
    a = asyncio.new_event_loop()
    b = asyncio.new_event_loop()
    heard = []
    a.add_signal_handler(signal.SIGUSR2, heard.append, 'a')
    b.add_signal_handler(signal.SIGUSR2, heard.append, 'b')
    os.kill(os.getpid(), signal.SIGUSR2)
    a.run_until_complete(asyncio.sleep(0.05))
    b.run_until_complete(asyncio.sleep(0.05))
    say('two loops heard', heard)
    a.close()
    b.close()


def worker():
    out = []

    def body():
        loop = asyncio.new_event_loop()
        try:
            loop.add_signal_handler(signal.SIGUSR2, lambda: None)
        except Exception as e:
            out.append((type(e).__name__, str(e)))
        loop.close()

    t = threading.Thread(target=body)
    t.start()
    t.join()
    say('thread', out)


def close_removes(loop):
    for sig in (signal.SIGUSR1, signal.SIGUSR2, signal.SIGHUP):
        loop.add_signal_handler(sig, lambda: None)
    loop.close()
    say('after close', signal.getsignal(signal.SIGUSR1), signal.getsignal(signal.SIGHUP))
    try:
        loop.add_signal_handler(signal.SIGUSR1, lambda: None)
    except Exception as e:
        say('closed:', type(e).__name__, str(e))
    say('closed: remove ->', loop.remove_signal_handler(signal.SIGUSR1))


loop = asyncio.new_event_loop()
errors(loop)
ordering(loop)
context(loop)
replace(loop)
not_running(loop)
close_removes(loop)
two_loops()
worker()
