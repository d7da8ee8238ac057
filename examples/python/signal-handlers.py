# Python twin of examples/src/signal-handlers.ts: the asyncio reference's
# "Set signal handlers for SIGINT and SIGTERM" example (asyncio-eventloop,
# Examples), changed so that it finishes on its own: main sends itself
# SIGINT instead of waiting an hour for Ctrl+C, no pid is printed, the
# signals are added in a fixed order, and the RuntimeError that
# asyncio.run() raises when a handler stops the loop is printed instead of
# ending the program with a traceback.
import asyncio
import functools
import os
import signal

def ask_exit(signame, loop):
    print("got signal %s: exit" % signame)
    loop.stop()

async def main():
    loop = asyncio.get_running_loop()

    for signame in ['SIGINT', 'SIGTERM']:
        loop.add_signal_handler(
            getattr(signal, signame),
            functools.partial(ask_exit, signame, loop))

    print("sending SIGINT to myself")
    os.kill(os.getpid(), signal.SIGINT)
    await asyncio.sleep(3600)

print("Event loop running for 1 hour, press Ctrl+C to interrupt.")

try:
    asyncio.run(main())
except RuntimeError as e:
    print("asyncio.run():", e)
