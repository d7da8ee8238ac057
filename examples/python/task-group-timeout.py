"""A TaskGroup under a timeout: the slow work is cancelled when the deadline
passes, the fast work finishes, and the timeout surfaces as TimeoutError."""
import asyncio


async def work(name, delay, log):
    try:
        await asyncio.sleep(delay)
        log.append(f"{name} done after {delay}s")
        return name
    except asyncio.CancelledError:
        log.append(f"{name} cancelled")
        raise


async def main():
    log = []
    tasks = []
    try:
        async with asyncio.timeout(0.5):
            async with asyncio.TaskGroup() as tg:
                tasks.append(tg.create_task(work("fast", 0.01, log)))
                tasks.append(tg.create_task(work("slow", 10, log)))
    except TimeoutError:
        log.append("timed out")
    for line in log:
        print(line)
    print("results:", [t.result() if not t.cancelled() else "cancelled" for t in tasks])


asyncio.run(main())
