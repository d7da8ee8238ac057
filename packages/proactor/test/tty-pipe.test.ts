// Terminals as pipes on the proactor: connectReadPipe / connectWritePipe over
// a real pseudo-terminal, and the refusal of other character devices and of
// regular files with asyncio's messages.
//
// HOW the pty: a Python driver (pty.fork) starts a Node child whose stdin,
// stdout and stderr are the pty's slave side; the child opens the slave by
// its path twice (a read end and a write end), connects a read pipe and a
// write pipe, says "ready", reads what the driver types ("ping", then ^D,
// the terminal's end of file) and writes back what it got. The driver prints
// everything that came out of the master side and the child's exit status.
// The child loads the built packages (dist, which turbo builds first). A
// CPython child does the same with asyncio's pipe transports; both outputs
// must be the same.
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Protocol } from '@loop/interfaces';
import { ProactorEventLoop } from '../src/index.js';

const root = join(__dirname, '..');
const PYTHON = process.env.PYTHON ?? 'python3';

const DRIVER = `
import os, pty, sys
pid, master = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
out = b''
sent = False
while True:
    try:
        data = os.read(master, 1024)
    except OSError:
        break  # EIO: the child closed the slave side
    if not data:
        break
    out += data
    if not sent and b'ready' in out:
        os.write(master, b'ping\\n')
        os.write(master, b'\\x04')
        sent = True
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode().replace('\\r\\n', '\\n'))
sys.stdout.write('status %d\\n' % os.waitstatus_to_exitcode(status))
`;

/** The child: `loopExpr` makes the loop. */
function childSource(loopExpr: string): string {
  return `
  const fs = require('node:fs');
  const tty = require('node:tty');
  const { Protocol } = require('@loop/interfaces');
  const path = fs.readlinkSync('/proc/self/fd/0');
  const loop = ${loopExpr};
  const before = fs.readdirSync('/proc/self/fd').length;
  const rfd = fs.openSync(path, 'r');
  const wfd = fs.openSync(path, 'w');
  const events = [];
  loop.runUntilComplete(async () => {
    const readerLost = loop.createFuture();
    const writerLost = loop.createFuture();
    const chunks = [];
    class Reader extends Protocol {
      dataReceived(d) { chunks.push(d); }
      eofReceived() { events.push('eofReceived'); }
      connectionLost(exc) { events.push('connectionLost ' + (exc === null ? 'None' : exc)); readerLost.setResult(null); }
    }
    class Writer extends Protocol {
      connectionLost(exc) { writerLost.setResult(exc); }
    }
    const [wt] = await loop.connectWritePipe(() => new Writer(), wfd);
    const [rt] = await loop.connectReadPipe(() => new Reader(), rfd);
    events.push('tty ' + (tty.isatty(rfd) ? 'True' : 'False') + ' pipe ' + (rt.getExtraInfo('pipe') === rfd ? 'True' : 'False'));
    wt.write(Buffer.from('ready\\n'));
    await readerLost;
    wt.write(Buffer.from('got ' + JSON.stringify(Buffer.concat(chunks).toString()) + ' ' + events.join(', ') + '\\n'));
    wt.close();
    const exc = await writerLost;
    fs.writeSync(1, 'writer lost ' + (exc === null ? 'None' : exc) + '\\n');
  }).then(
    () => {
      loop.close();
      // Node closes handles in its next turn.
      setImmediate(() => fs.writeSync(1, 'descriptors left ' + (fs.readdirSync('/proc/self/fd').length - before) + '\\n'));
    },
    (e) => { fs.writeSync(2, 'error ' + e.stack + '\\n'); process.exitCode = 3; },
  );
`;
}

/** The CPython twin of the child: the same steps with asyncio's connect_read_pipe / connect_write_pipe. */
const PYTHON_CHILD = `
import asyncio, json, os
path = os.readlink('/proc/self/fd/0')

async def main():
    loop = asyncio.get_running_loop()
    before = len(os.listdir('/proc/self/fd'))
    rfd = os.open(path, os.O_RDONLY)
    wfd = os.open(path, os.O_WRONLY)
    events, chunks = [], []
    reader_lost, writer_lost = loop.create_future(), loop.create_future()

    class Reader(asyncio.Protocol):
        def data_received(self, d):
            chunks.append(d)
        def eof_received(self):
            events.append('eofReceived')
        def connection_lost(self, exc):
            events.append('connectionLost %s' % exc)
            reader_lost.set_result(None)

    class Writer(asyncio.Protocol):
        def connection_lost(self, exc):
            writer_lost.set_result(exc)

    wt, _ = await loop.connect_write_pipe(Writer, os.fdopen(wfd, 'wb', 0))
    rt, _ = await loop.connect_read_pipe(Reader, os.fdopen(rfd, 'rb', 0))
    events.append('tty %s pipe %s' % (os.isatty(rfd), rt.get_extra_info('pipe').fileno() == rfd))
    wt.write(b'ready\\n')
    await reader_lost
    wt.write(('got %s %s\\n' % (json.dumps(b''.join(chunks).decode()), ', '.join(events))).encode())
    wt.close()
    exc = await writer_lost
    os.write(1, ('writer lost %s\\n' % exc).encode())
    await asyncio.sleep(0)
    os.write(1, ('descriptors left %d\\n' % (len(os.listdir('/proc/self/fd')) - before)).encode())

asyncio.run(main())
`;

function runOnPty(loopExpr: string | null): string {
  const child = loopExpr === null ? [PYTHON, '-c', PYTHON_CHILD] : [process.execPath, '-e', childSource(loopExpr)];
  const r = spawnSync(PYTHON, ['-c', DRIVER, ...child], { cwd: root, encoding: 'utf8', timeout: 20000 });
  if (r.status !== 0) throw new Error(`pty driver failed: ${r.stderr}`);
  return r.stdout;
}

describe('ProactorBackend: terminals as pipes', () => {
  it('a pty: the read pipe gets what is typed and ^D as EOF (eofReceived, connectionLost(null)); the write pipe reaches the terminal; both close their descriptor — as the CPython twin', () => {
    // The terminal echoes what the driver types ("ping"); the rest is the child's.
    const expected = 'ready\nping\ngot "ping\\n" tty True pipe True, eofReceived, connectionLost None\nwriter lost None\ndescriptors left 0\nstatus 0\n';
    expect(runOnPty(null)).toBe(expected);
    expect(runOnPty("new (require('@loop/proactor').ProactorEventLoop)()")).toBe(expected);
  });

  describe('refusals (asyncio: _UnixReadPipeTransport / _UnixWritePipeTransport __init__)', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'tty-'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it.each(['/dev/null', '/dev/zero'])('%s, a character device that is not a terminal, is refused both ways with asyncio\'s messages; nothing leaks', async (device) => {
      const loop = new ProactorEventLoop();
      const before = readdirSync('/proc/self/fd').length;
      const fd = openSync(device, 'r+');
      await expect(loop.connectReadPipe(() => new Protocol(), fd)).rejects.toMatchObject({
        name: 'RangeError',
        code: 'ERR_LOOP_OUT_OF_RANGE',
        message: `Pipe transport is for pipes/sockets only. (fd ${fd} is a character device that is not a terminal: the proactor streams terminals only)`,
      });
      await expect(loop.connectWritePipe(() => new Protocol(), fd)).rejects.toMatchObject({
        name: 'RangeError',
        code: 'ERR_LOOP_OUT_OF_RANGE',
        message: `Pipe transport is only for pipes, sockets and character devices (fd ${fd} is a character device that is not a terminal: the proactor streams terminals only)`,
      });
      closeSync(fd);
      expect(readdirSync('/proc/self/fd').length).toBe(before);
      // The loop keeps running.
      expect(await loop.runUntilComplete(() => Promise.resolve('still running'))).toBe('still running');
      loop.close();
    });

    it('a regular file is refused as a write pipe too: "Pipe transport is only for pipes, sockets and character devices"', async () => {
      const file = join(dir, 'plain');
      writeFileSync(file, 'x');
      const fd = openSync(file, 'r+');
      const loop = new ProactorEventLoop();
      await expect(loop.connectWritePipe(() => new Protocol(), fd)).rejects.toMatchObject({
        name: 'RangeError',
        message: 'Pipe transport is only for pipes, sockets and character devices',
      });
      await expect(loop.connectReadPipe(() => new Protocol(), fd)).rejects.toMatchObject({ name: 'RangeError', message: 'Pipe transport is for pipes/sockets only.' });
      closeSync(fd);
      loop.close();
    });
  });
});
