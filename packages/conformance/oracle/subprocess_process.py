"""asyncio.subprocess.Process facts (asyncio 3.11), the twin of SUB-05..SUB-08
in src/net/subprocess.suite.ts.

    python3 oracle/subprocess_process.py
"""
import asyncio
import signal
from asyncio.subprocess import PIPE, STDOUT, DEVNULL


async def main():
    # Exit codes and signal deaths.
    p = await asyncio.create_subprocess_exec('sh', '-c', 'exit 7')
    print('exit 7 ->', await p.wait())
    p = await asyncio.create_subprocess_exec('sleep', '30')
    p.kill()
    print('kill ->', await p.wait())
    p = await asyncio.create_subprocess_exec('sleep', '30')
    p.terminate()
    print('terminate ->', await p.wait())
    p = await asyncio.create_subprocess_exec('sleep', '30')
    p.send_signal(signal.SIGINT)
    print('SIGINT ->', await p.wait())
    try:
        p.kill()
    except ProcessLookupError as e:
        print('kill after exit ->', type(e).__name__)

    # Cancelling wait() leaves the child running.
    p = await asyncio.create_subprocess_exec('sleep', '30')
    w = asyncio.ensure_future(p.wait())
    await asyncio.sleep(0.1)
    w.cancel()
    try:
        await w
    except asyncio.CancelledError:
        print('wait cancelled; returncode', p.returncode)
    p.kill()
    print('then kill ->', await p.wait())

    # communicate() with input; stderr into stdout; DEVNULL.
    p = await asyncio.create_subprocess_exec('sh', '-c', 'cat; echo err >&2', stdin=PIPE, stdout=PIPE, stderr=STDOUT)
    print('communicate ->', await p.communicate(b'in\n'), p.returncode)
    p = await asyncio.create_subprocess_exec('sh', '-c', 'echo out; echo err >&2', stdout=PIPE, stderr=DEVNULL)
    print('DEVNULL ->', await p.communicate())
    p = await asyncio.create_subprocess_shell('echo $0 $1', stdout=PIPE)
    print('shell ->', await p.communicate())

    # The refusals.
    loop = asyncio.get_running_loop()
    for kw in ({'universal_newlines': True}, {'shell': True}, {'bufsize': 1}, {'text': True}, {'encoding': 'utf-8'}, {'errors': 'strict'}):
        try:
            await loop.subprocess_exec(asyncio.SubprocessProtocol, 'true', **kw)
        except ValueError as e:
            print('exec', kw, '->', e)
    try:
        await loop.subprocess_shell(asyncio.SubprocessProtocol, 'true', shell=False)
    except ValueError as e:
        print('shell shell=False ->', e)


asyncio.run(main())
