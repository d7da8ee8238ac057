"""asyncio.run() and Ctrl-C (SIGINT), as CPython 3.11's Runner handles them.

The twin of packages/signals/test/run-ctrl-c.test.ts, which runs the same
scenarios with @loop/core's run() on a loop with @loop/signals composed in
and compares the stdout trace and how the process ended.

    python3 oracle/signal_run_ctrl_c.py once|twice|caught|busy

once:   one SIGINT while main waits; main lets the cancellation end it
        -> run raises KeyboardInterrupt; the process ends by SIGINT (130).
twice:  main catches the cancellation and waits again in its cleanup; a
        second SIGINT -> KeyboardInterrupt out of run(); the shutdown cancels
        main's cleanup -> the process ends by SIGINT.
caught: main catches the cancellation and returns -> run returns its result.
other:  nothing interrupts -> run returns.

The SIGINTs are sent from loop callbacks (call_later), so that Python's
handler runs inside a loop callback, not inside main's own frame.
"""
import asyncio
import os
import signal
import sys

mode = sys.argv[1]


def say(*parts):
    print(*parts, flush=True)


def interrupt_soon():
    asyncio.get_running_loop().call_later(0.01, os.kill, os.getpid(), signal.SIGINT)


async def main():
    say('main: start')
    if mode != 'other':
        interrupt_soon()
    try:
        await asyncio.sleep(0.5 if mode == 'other' else 10)
    except asyncio.CancelledError:
        say('main: cancelled')
        if mode == 'once':
            raise
        if mode == 'caught':
            return 'finished anyway'
        try:
            interrupt_soon()
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            say('main: cleanup cancelled by the shutdown')
            raise
    say('main: end')
    return 'done'


try:
    say('run: returned', asyncio.run(main()))
except KeyboardInterrupt as e:
    say('run: KeyboardInterrupt')
    raise
