# Python twin of examples/src/third-party-loop.ts, which runs the same
# program on MicroLoop (src/third-party-loop/), a small loop written against
# @loop/interfaces alone: callbacks and timers in asyncio's order, a task
# awaiting a future, a task cancelled with a message, and what the exception
# handler receives. The handler prints the message up to " at " (asyncio
# appends the callback's source location, which @loop does not print).
import asyncio

def section(name):
    print(f"-- {name} --")

# 1. ordering of callSoon, callLater, callAt; stop
section("ordering")
loop = asyncio.new_event_loop()
def log(msg):
    print(msg)
def soon_a():
    log("soon A")
    loop.call_soon(log, "soon C (scheduled by A)")
loop.call_later(0.2, log, "later 0.2")
loop.call_soon(soon_a)
loop.call_later(0, log, "later 0")
loop.call_at(loop.time() + 0.1, log, "at +0.1")
h = loop.call_soon(log, "cancelled: never printed")
loop.call_soon(log, "soon B")
h.cancel()
print(h.cancelled())
loop.call_later(0.3, loop.stop)
loop.run_forever()
loop.close()

# 2. task waiting for future; result
section("tasks")
loop = asyncio.new_event_loop()
async def waiter(fut):
    print("waiting")
    v = await fut
    print(f"got {v}")
    return v * 2
fut = loop.create_future()
loop.call_later(0.01, fut.set_result, 21)
print(loop.run_until_complete(waiter(fut)))
loop.close()

# 3. cancellation with message
section("cancellation")
loop = asyncio.new_event_loop()
async def main():
    fut = loop.create_future()
    task = loop.create_task(waiter(fut), name="waiter")
    await asyncio.sleep(0)
    print(task.cancel("stop waiting"))
    print(task.cancel("again"))
    print(task.cancelling())
    try:
        await task
    except asyncio.CancelledError as e:
        print(f"task cancelled: {e}")
    print(task.cancelled(), fut.cancelled())
    print(task.get_name())
loop.run_until_complete(main())
loop.close()

# 4. exception handler
section("exception handler")
loop = asyncio.new_event_loop()
def boom():
    raise ValueError("boom")
def handler(l, context):
    print(sorted(context))
    print(repr(context["exception"]))
    print(context["message"].split(" at ")[0])
loop.set_exception_handler(handler)
loop.call_soon(boom)
loop.call_soon(loop.stop)
loop.run_forever()
loop.close()
