"""What the oracle scripts share: a stock SelectorEventLoop on a virtual
clock, and a counter of its iterations (calls of `_run_once`)."""
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

