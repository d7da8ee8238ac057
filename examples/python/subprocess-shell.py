# Python twin of examples/src/subprocess-shell.ts: the reference's "run a
# shell command and obtain its result" (asyncio-subprocess, Examples), with
# its second part: several commands at once with gather().
#
# Unlike the reference, the second command sleeps 0.2 s instead of 1 s.
import asyncio

async def run(cmd):
    proc = await asyncio.create_subprocess_shell(
        cmd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE)

    stdout, stderr = await proc.communicate()

    print(f'[{cmd!r} exited with {proc.returncode}]')
    if stdout:
        print(f'[stdout]\n{stdout.decode()}')
    if stderr:
        print(f'[stderr]\n{stderr.decode()}')

async def main():
    await run('ls /zzz')
    await asyncio.gather(
        run('ls /zzz'),
        run('sleep 0.2; echo "hello"'))

asyncio.run(main())
