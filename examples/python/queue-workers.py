"""Producer and consumers: three workers take jobs from a bounded
asyncio.Queue; a Semaphore lets only two of them hold the "connection" at
once; queue.join() waits until every job is marked done, then the workers
are cancelled."""
import asyncio


async def worker(name, queue, connection, log):
    while True:
        job, seconds = await queue.get()
        async with connection:
            log.append(f"{name} runs {job}")
            await asyncio.sleep(seconds)
        log.append(f"{name} finished {job}")
        queue.task_done()


async def main():
    queue = asyncio.Queue(maxsize=2)
    connection = asyncio.Semaphore(2)
    log = []
    workers = [asyncio.create_task(worker(f"worker-{i}", queue, connection, log)) for i in (1, 2, 3)]
    for job, seconds in [("a", 0.5), ("b", 0.2), ("c", 0.9), ("d", 0.3), ("e", 0.1)]:
        await queue.put((job, seconds))
        log.append(f"queued {job} (queue size {queue.qsize()})")
    await queue.join()
    log.append("all jobs done")
    for w in workers:
        w.cancel()
    results = await asyncio.gather(*workers, return_exceptions=True)
    for line in log:
        print(line)
    print("workers cancelled:", [isinstance(r, asyncio.CancelledError) for r in results])
    print("connection locked:", connection.locked())


asyncio.run(main())
