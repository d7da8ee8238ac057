"""run_in_executor: hash a file in a worker thread while the loop keeps ticking."""
import asyncio
import hashlib
import os
import tempfile


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 16), b""):
            h.update(chunk)
    return h.hexdigest()


async def ticker(stop):
    ticks = 0
    while not stop.is_set():
        ticks += 1
        await asyncio.sleep(0.001)
    return ticks


async def main():
    path = os.path.join(tempfile.mkdtemp(), "data.bin")
    with open(path, "wb") as f:
        f.write(bytes(range(256)) * 65536)  # 16 MiB
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    tick_task = asyncio.create_task(ticker(stop))
    digest = await loop.run_in_executor(None, sha256_file, path)
    stop.set()
    ticks = await tick_task
    print("sha256:", digest)
    print("the loop kept ticking:", ticks > 1)


asyncio.run(main())
