"""Twin of S13 without gather (gather is the next issue): main awaits A then B."""
"""Task stepping. create_task() schedules the first step with call_soon (the
coroutine does not start inline). Within a step the coroutine runs until it
awaits a *pending* future: awaiting an already-done future, or awaiting a
plain coroutine that doesn't block, does NOT yield to the loop. sleep(0)
yields for exactly one iteration. Resuming after a pending future completes
costs one iteration (the wakeup is a done-callback scheduled by call_soon).
Tasks created inside a step start in the next iteration, after the work
already queued."""
import asyncio


class VirtualClockLoop(asyncio.SelectorEventLoop):
    """A real SelectorEventLoop whose clock is virtual: whenever _run_once
    would block in select() with a positive timeout and no I/O is ready, the
    clock jumps forward by exactly that timeout instead of sleeping.  Only the
    clock source differs from a stock loop, so ordering is CPython's own."""
    def __init__(self):
        super().__init__()
        self._vt = 0.0
        real_select = self._selector.select
        def select(timeout=None):
            events = real_select(0)
            if not events and timeout is not None and timeout > 0:
                self._vt += timeout
            return events
        self._selector.select = select

    def time(self):
        return self._vt


def count_iterations(loop):
    """Count calls of loop._run_once (one 'iteration' of the loop)."""
    box = [0]
    orig = loop._run_once
    def run_once():
        box[0] += 1
        orig()
    loop._run_once = run_once
    return box


loop = VirtualClockLoop()
it = count_iterations(loop)

def log(msg):
    print(f"it{it[0]} {msg}")

done_fut = loop.create_future()
done_fut.set_result('D')
pending = loop.create_future()

async def child(name):
    log(f'{name}: child coroutine body (same step)')
    return 'child-result'

async def worker(name):
    log(f'{name}: start')
    r = await done_fut
    log(f'{name}: awaited done future -> {r} (no yield)')
    r = await child(name)
    log(f'{name}: awaited coroutine -> {r} (no yield)')
    await asyncio.sleep(0)
    log(f'{name}: after sleep(0)')
    r = await pending
    log(f'{name}: after pending -> {r}')
    return name

async def main():
    log('main: start; creating A and B')
    ta = asyncio.create_task(worker('A'))
    tb = asyncio.create_task(worker('B'))
    log(f"main: created; A started? {ta.done()} / current_task is main: "
        f"{asyncio.current_task().get_name() == 'main'}")
    await asyncio.sleep(0)
    log('main: after sleep(0)')
    await asyncio.sleep(0)
    log('main: after 2nd sleep(0); resolving pending via call_soon')
    loop.call_soon(pending.set_result, 'P')
    res = [await ta, await tb]
    log(f'main: awaited A then B -> {res}')

loop.run_until_complete(loop.create_task(main(), name='main'))
loop.close()
