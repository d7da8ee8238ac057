# Python twin of examples/src/subprocess-communicate.ts: communicate() with
# input, then a conversation with a child through its stdin and stdout
# (asyncio-subprocess: Process.communicate, Process.stdin, Process.stdout).
import asyncio
from asyncio.subprocess import PIPE, STDOUT

async def main():
    proc = await asyncio.create_subprocess_exec(
        'tr', 'a-z', 'A-Z', stdin=PIPE, stdout=PIPE)
    stdout, stderr = await proc.communicate(b'hello from the parent\n')
    print(f'tr printed {stdout!r}, stderr {stderr!r}, exit {proc.returncode}')

    proc = await asyncio.create_subprocess_exec(
        'sh', '-c', 'while read line; do echo "got $line"; done; echo bye >&2',
        stdin=PIPE, stdout=PIPE, stderr=STDOUT)
    for word in ('one', 'two', 'three'):
        proc.stdin.write(f'{word}\n'.encode())
        await proc.stdin.drain()
        line = await proc.stdout.readline()
        print('echoed', line.decode().rstrip())
    proc.stdin.close()
    print('rest', await proc.stdout.read())
    print('exit', await proc.wait())

asyncio.run(main())
