"""Synchronisation primitives and queues under contention (asyncio.locks,
asyncio.queues): several waiters, one cancelled in the middle, the wake-ups
passed on in FIFO order. Lock: a waiter cancelled after release() woke it
hands the lock to the next one. Semaphore: two waiters cancelled before a
release, the unit goes to the third. Condition: a notified waiter cancelled
before it reacquires still reacquires, then raises. Queue: a getter woken by
an item and cancelled passes the item on; a blocked putter cancelled keeps
no slot. Barrier: three parties, then a reset breaks the waiters."""
import asyncio
from oracle_loop import VirtualClockLoop, count_iterations


loop = VirtualClockLoop()
it = count_iterations(loop)


def log(msg):
    print(f"it{it[0]} t={loop.time():.2f} {msg}")


def state(obj):
    """The bracketed state of a primitive's repr: '[locked, waiters:2]'."""
    r = repr(obj)
    return r[r.index('['):-1]


async def lock_scenario():
    lock = asyncio.Lock()
    await lock.acquire()

    async def worker(name):
        try:
            await lock.acquire()
        except asyncio.CancelledError:
            log(f'lock {name} cancelled, locked={lock.locked()}')
            raise
        log(f'lock {name} acquired')
        await asyncio.sleep(0.1)
        lock.release()
        log(f'lock {name} released')

    tasks = [asyncio.create_task(worker(n)) for n in 'ABCD']
    await asyncio.sleep(0)
    log(f'lock {state(lock)}')
    lock.release()       # wakes A
    tasks[0].cancel()    # A was woken: it passes the lock on to B
    tasks[2].cancel()    # C is still waiting: its future is cancelled
    await asyncio.gather(*tasks, return_exceptions=True)
    log(f'lock done: {[("cancelled" if t.cancelled() else "ok") for t in tasks]} locked={lock.locked()}')


async def semaphore_scenario():
    sem = asyncio.Semaphore(0)

    async def worker(name):
        try:
            await sem.acquire()
        except asyncio.CancelledError:
            log(f'sem {name} cancelled')
            raise
        log(f'sem {name} acquired {state(sem)}')

    tasks = [asyncio.create_task(worker(n)) for n in 'ABCD']
    await asyncio.sleep(0)
    tasks[0].cancel()
    tasks[1].cancel()
    sem.release()
    log(f'sem released {state(sem)}')
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    log(f'sem C done={tasks[2].done()} D done={tasks[3].done()}')
    sem.release()
    sem.release()
    await asyncio.gather(*tasks, return_exceptions=True)
    log(f'sem done {state(sem)}')


async def condition_scenario():
    cond = asyncio.Condition()

    async def waiter(name):
        async with cond:
            try:
                await cond.wait()
            except asyncio.CancelledError:
                log(f'cond {name} cancelled, holds lock={cond.locked()}')
                raise
            log(f'cond {name} notified')

    tasks = [asyncio.create_task(waiter(n)) for n in 'ABC']
    await asyncio.sleep(0)
    async with cond:
        cond.notify(2)
        tasks[0].cancel()   # notified, then cancelled before reacquiring
        log('cond notify(2) and cancel A while holding the lock')
    await asyncio.sleep(0)
    async with cond:
        cond.notify_all()
    await asyncio.gather(*tasks, return_exceptions=True)
    log(f'cond done locked={cond.locked()}')


async def queue_scenario():
    q = asyncio.Queue(maxsize=1)

    async def getter(name):
        try:
            item = await q.get()
        except asyncio.CancelledError:
            log(f'queue getter {name} cancelled')
            raise
        log(f'queue getter {name} got {item}')
        q.task_done()

    getters = [asyncio.create_task(getter(n)) for n in 'ABC']
    await asyncio.sleep(0)
    q.put_nowait('x')      # wakes A
    getters[0].cancel()    # A woken and cancelled: B gets 'x'
    await asyncio.sleep(0)
    log(f'queue after x: {q}')
    await q.put('y')       # C gets 'y'
    await asyncio.gather(*getters, return_exceptions=True)
    await q.put('z')
    putter = asyncio.create_task(q.put('w'))
    await asyncio.sleep(0)
    log(f'queue full={q.full()} {q}')
    putter.cancel()
    await asyncio.sleep(0)
    log(f'queue putter cancelled={putter.cancelled()} {q}')
    log(f'queue get -> {q.get_nowait()}')
    q.task_done()
    await q.join()
    log('queue joined')

    pq = asyncio.PriorityQueue()
    for item in [(3, 'c'), (1, 'b'), (2, 'x'), (1, 'a'), (0, 'z'), (2, 'y')]:
        pq.put_nowait(item)
    log(f'priority order {[pq.get_nowait() for _ in range(pq.qsize())]} empty={pq.empty()}')


async def barrier_scenario():
    barrier = asyncio.Barrier(3)

    async def party(name):
        try:
            index = await barrier.wait()
        except asyncio.BrokenBarrierError:
            log(f'barrier {name} broken')
            return None
        log(f'barrier {name} index={index}')
        return index

    tasks = [asyncio.create_task(party(n)) for n in 'ABC']
    await asyncio.sleep(0)
    log(f'barrier n_waiting={barrier.n_waiting} {state(barrier)}')
    await asyncio.gather(*tasks)
    tasks = [asyncio.create_task(party(n)) for n in 'DE']
    await asyncio.sleep(0)
    log(f'barrier n_waiting={barrier.n_waiting} before reset')
    await barrier.reset()
    await asyncio.gather(*tasks)
    log(f'barrier broken={barrier.broken} n_waiting={barrier.n_waiting} {state(barrier)}')


async def main():
    await lock_scenario()
    await semaphore_scenario()
    await condition_scenario()
    await queue_scenario()
    await barrier_scenario()


loop.run_until_complete(main())
loop.close()
