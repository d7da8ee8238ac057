# Python twin of examples/src/cancel-task.ts: a task that awaits a future is
# cancelled with a message while it waits.
#
# The TypeScript example runs the program twice, once with generator
# coroutines (`yield*`) and once with async functions (`await`); Python has
# one kind of coroutine, so this twin runs the same program twice under the
# same section headers.
import asyncio

async def waiter(fut):
    print("waiting for the future")
    await fut

async def main():
    loop = asyncio.get_running_loop()
    fut = loop.create_future()
    task = asyncio.create_task(waiter(fut))
    await asyncio.sleep(0.05)
    task.cancel("stop waiting")
    try:
        await task
    except asyncio.CancelledError as e:
        print(f"task cancelled: {e}")
    print(task.cancelled())
    print(fut.cancelled())

for section in ("generator coroutines", "async functions"):
    print(f"-- {section} --")
    asyncio.run(main())
