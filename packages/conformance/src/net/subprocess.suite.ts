/**
 * Child processes: `subprocessExec` / `subprocessShell` and
 * `asyncio.subprocess` (`createSubprocessExec`, `createSubprocessShell`,
 * `Process`), from `@loop/subprocess` (ADR 0006). The CPython tests each
 * test comes from are named in the test (`test_events.py`
 * `SubprocessTestsMixin`, `test_asyncio/test_subprocess.py`
 * `SubprocessMixin`, `test_subprocess.py` for `Popen` options).
 *
 * HOW: real children (`sh`, `cat`, `sleep`, `ls`), real pipes and real
 * signals. Every test counts the process's descriptors before and after
 * (`/proc/self/fd`), and the spawn-and-cancel test scans `/proc/<pid>/stat`
 * for zombies whose parent is this process. The twins are
 * `oracle/subprocess_trace.py` (PROC-01/02) and `oracle/subprocess_process.py`
 * (PROC-03, PROC-06, PROC-09, PROC-11); the lines CPython 3.11 printed are written in
 * the tests.
 *
 * The behaviours are catalog.md's PROC-01 to PROC-19 (PROC-14, the child
 * watcher, has no counterpart: libuv reaps the children).
 *
 * @packageDocumentation
 */
import { expect } from 'expect';
import { describe } from '../runner.js';
import { chmodSync, closeSync, openSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { realpathSync } from 'node:fs';
import { SubprocessProtocol, type Future, type ReadTransport, type SubprocessTransport, type WriteTransport } from '@loop/interfaces';
import { pipe, socketpair } from '@loop/socket';
import { DEVNULL, PIPE, Process, STDOUT, SubprocessStreamProtocol, SubprocessTransportImpl, createSubprocessExec, createSubprocessShell } from '@loop/subprocess';
import { defineNetTest, type NetLoop, type NetLoopFactory } from './harness.js';

/** The number of descriptors open in this process. */
function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}

/** `[state, ppid]` of process `pid` from `/proc/<pid>/stat`, or `null` when it is gone. */
function procState(pid: number): [string, number] | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return [rest[0], Number(rest[1])];
}

/** The pids of this process's children that are zombies. */
function zombies(): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const st = procState(Number(name));
    if (st !== null && st[1] === process.pid && st[0] === 'Z') out.push(Number(name));
  }
  return out;
}

/** Whether `pid` is still a live (not zombie) child of this process. */
function isLiveChild(pid: number): boolean {
  const st = procState(pid);
  return st !== null && st[1] === process.pid && st[0] !== 'Z';
}

async function sleep(loop: NetLoop, seconds: number): Promise<void> {
  const fut = loop.createFuture<void>();
  loop.callLater(seconds, () => fut.setResult(undefined));
  await fut;
}

/** Polls `cond` every 10 ms on the loop, up to `seconds`. */
async function until(loop: NetLoop, cond: () => boolean, seconds = 5): Promise<boolean> {
  const deadline = loop.time() + seconds;
  while (!cond()) {
    if (loop.time() > deadline) return false;
    await sleep(loop, 0.01);
  }
  return true;
}

/** Records a subprocess protocol's callbacks as the twin prints them. */
class Recorder extends SubprocessProtocol {
  readonly trace: string[] = [];
  readonly data: Record<number, Buffer[]> = { 1: [], 2: [] };
  transport: SubprocessTransport | null = null;
  readonly done: Future<Error | null>;
  readonly exited: Future<void>;

  constructor(loop: NetLoop) {
    super();
    this.done = loop.createFuture();
    this.exited = loop.createFuture();
  }

  override connectionMade(transport: SubprocessTransport): void {
    this.transport = transport;
    this.trace.push('connection_made');
  }

  override pipeDataReceived(fd: number, data: Buffer): void {
    this.data[fd].push(data);
  }

  override pipeConnectionLost(fd: number, exc: Error | null): void {
    this.trace.push(`pipe_connection_lost ${fd} ${exc === null ? 'None' : String((exc as { code?: string }).code)}`);
  }

  override processExited(): void {
    this.trace.push(`process_exited returncode=${String(this.transport!.getReturncode())}`);
    this.exited.setResult(undefined);
  }

  override connectionLost(exc: Error | null): void {
    this.trace.push(`connection_lost ${exc === null ? 'None' : String(exc)}`);
    this.done.setResult(exc);
  }

  text(fd: number): string {
    return Buffer.concat(this.data[fd]).toString();
  }
}

/** PROC-01's protocol: answers each event through stdin, as the twin does. */
class TurnTaker extends Recorder {
  send(line: string): void {
    (this.transport!.getPipeTransport(0) as WriteTransport).write(Buffer.from(line));
  }

  override pipeDataReceived(fd: number, data: Buffer): void {
    super.pipeDataReceived(fd, data);
    this.trace.push(`pipe_data_received ${fd} b'${data.toString()}'`);
    this.send(fd === 1 ? 'a\n' : 'b\n');
  }

  override pipeConnectionLost(fd: number, exc: Error | null): void {
    super.pipeConnectionLost(fd, exc);
    if (fd === 1) this.send('c\n');
    else if (fd === 2) {
      this.send('d\n');
      this.transport!.getPipeTransport(0)!.close();
    }
  }
}

const TURNS = 'read s; printf out; read a; printf err >&2; read b; exec 1>&-; read c; exec 2>&-; read d; exit 3';

/** The subprocess suite. */
export function subprocessSuite(newLoop: NetLoopFactory): void {
  describe('subprocess (@loop/subprocess)', () => {
    const it = defineNetTest(newLoop);

    it('PROC-01/02 the protocol callbacks come in asyncio order (test_events test_subprocess_interactive; oracle/subprocess_trace.py)', async (t) => {
      const before = openFds();
      await t.run(async () => {
        const loop = t.loop;
        let proto!: TurnTaker;
        const [transport] = await loop.subprocessExec(() => (proto = new TurnTaker(loop)), 'sh', ['-c', TURNS]);
        proto.trace.push('subprocess_exec returned');
        proto.send('s\n');
        await proto.done;
        proto.trace.push(`returncode ${String(transport.getReturncode())}`);
        transport.close();
        // What CPython 3.11 printed.
        expect(proto.trace).toEqual([
          'connection_made',
          'subprocess_exec returned',
          "pipe_data_received 1 b'out'",
          "pipe_data_received 2 b'err'",
          'pipe_connection_lost 1 None',
          'pipe_connection_lost 2 None',
          'pipe_connection_lost 0 None',
          'process_exited returncode=3',
          'connection_lost None',
          'returncode 3',
        ]);
      });
      t.loop.close();
      expect(openFds()).toBe(before);
    });

    it('PROC-02 connectionLost waits for the exit AND every pipe; processExited may come first (test_events test_subprocess_exec)', async (t) => {
      await t.run(async () => {
        const loop = t.loop;
        let proto!: Recorder;
        const [transport] = await loop.subprocessExec(() => (proto = new Recorder(loop)), 'sh', ['-c', 'echo out; echo err >&2'], { stdin: DEVNULL });
        expect(transport.getPipeTransport(0)).toBeNull();
        await proto.done;
        const trace = proto.trace;
        expect(trace[0]).toBe('connection_made');
        expect(trace[trace.length - 1]).toBe('connection_lost None');
        expect([...trace].sort()).toEqual(['connection_lost None', 'connection_made', 'pipe_connection_lost 1 None', 'pipe_connection_lost 2 None', 'process_exited returncode=0']);
        expect(proto.text(1)).toBe('out\n');
        expect(proto.text(2)).toBe('err\n');
        expect(transport.getReturncode()).toBe(0);
        transport.close();
      });
      t.loop.close();
    });

    it('PROC-03/04 exit codes, and the transport after the exit (test_events test_subprocess_exitcode, test_subprocess_close_after_finish)', async (t) => {
      await t.run(async () => {
        const loop = t.loop;
        for (const code of [0, 1, 7, 255]) {
          let proto!: Recorder;
          const [tr] = await loop.subprocessShell(() => (proto = new Recorder(loop)), `exit ${code}`, { stdin: null, stdout: null, stderr: null });
          expect(tr.getPipeTransport(0)).toBeNull();
          expect(tr.getPipeTransport(1)).toBeNull();
          expect(tr.getPipeTransport(2)).toBeNull();
          await proto.done;
          expect(tr.getReturncode()).toBe(code);
          expect(tr.isClosing()).toBe(false);
          tr.close();
          expect(tr.isClosing()).toBe(true);
          tr.close();
        }
      });
      t.loop.close();
    });

    it('PROC-03/08 kill / terminate / sendSignal give -N; after the exit they throw ESRCH (test_events test_subprocess_kill/terminate/send_signal; oracle/subprocess_process.py)', async (t) => {
      await t.run(async () => {
        const cases: [string, (p: Process) => void, number][] = [
          ['kill', (p) => p.kill(), -9],
          ['terminate', (p) => p.terminate(), -15],
          ['SIGINT', (p) => p.sendSignal('SIGINT'), -2],
          ['2 (number)', (p) => p.sendSignal(2), -2],
        ];
        for (const [, act, rc] of cases) {
          const p = await createSubprocessExec('sleep', ['30']);
          expect(p.returncode).toBeNull();
          act(p);
          expect(await p.wait()).toBe(rc);
          expect(p.returncode).toBe(rc);
          // asyncio: ProcessLookupError.
          for (const again of [() => p.kill(), () => p.terminate(), () => p.sendSignal('SIGTERM')]) {
            expect(again).toThrow(expect.objectContaining({ code: 'ESRCH', syscall: 'kill' }));
          }
        }
        const p = await createSubprocessExec('sleep', ['30']);
        expect(() => p.sendSignal('SIGNOPE' as NodeJS.Signals)).toThrow(expect.objectContaining({ name: 'RangeError', code: 'ERR_LOOP_OUT_OF_RANGE' }));
        expect(() => p.sendSignal({} as unknown as number)).toThrow(expect.objectContaining({ name: 'TypeError', code: 'ERR_LOOP_INVALID_ARG' }));
        expect(p.returncode).toBeNull();
        p.kill();
        expect(await p.wait()).toBe(-9);
      });
      t.loop.close();
    });

    it('PROC-05/11 stdio modes: PIPE, DEVNULL, STDOUT, a descriptor, fileno(), { fd }, inherit (test_subprocess test_devnull_*, test_stdin_stdout_file; test_events test_subprocess_stderr_redirect_to_stdout)', async (t) => {
      const before = openFds();
      await t.run(async () => {
        // STDOUT: stderr into the same pipe as stdout.
        let p = await createSubprocessExec('sh', ['-c', 'echo out; echo err >&2'], { stdout: PIPE, stderr: STDOUT });
        expect(p.stderr).toBeNull();
        expect((await p.communicate())[0]!.toString()).toBe('out\nerr\n');
        // DEVNULL for each stream.
        p = await createSubprocessExec('sh', ['-c', 'cat; echo out; echo err >&2'], { stdin: DEVNULL, stdout: PIPE, stderr: DEVNULL });
        expect(p.stdin).toBeNull();
        expect(await p.communicate()).toEqual([Buffer.from('out\n'), null]);
        p = await createSubprocessExec('sh', ['-c', 'echo out; echo err >&2'], { stdout: DEVNULL, stderr: PIPE });
        expect(await p.communicate()).toEqual([null, Buffer.from('err\n')]);
        // A descriptor, an object with fileno(), an object with fd: a file of the test.
        const path = t.path('out.txt');
        for (const make of [(fd: number) => fd, (fd: number) => ({ fileno: () => fd }), (fd: number) => ({ fd })]) {
          const fd = openSync(path, 'w');
          p = await createSubprocessExec('sh', ['-c', 'echo to-file; echo err >&2'], { stdout: make(fd), stderr: STDOUT });
          expect(await p.wait()).toBe(0);
          closeSync(fd);
          expect(readFileSync(path, 'utf8')).toBe('to-file\nerr\n');
        }
        const inFd = openSync(path, 'r');
        p = await createSubprocessExec('cat', [], { stdin: inFd, stdout: PIPE });
        expect((await p.communicate())[0]!.toString()).toBe('to-file\nerr\n');
        closeSync(inFd);
        // null: the child's stdout is this process's own.
        p = await createSubprocessExec('sh', ['-c', 'x=$(readlink /proc/$$/fd/1); echo "$x" >&2'], { stdout: null, stderr: PIPE });
        expect((await p.communicate())[1]!.toString().trim()).toBe(readlinkSync('/proc/self/fd/1'));
      });
      t.loop.close();
      expect(openFds()).toBe(before);
    });

    it('PROC-06 option refusals and bad arguments reject with coded errors; the loop keeps running (test_events test_subprocess_exec_invalid_args, test_subprocess_shell_invalid_args)', async (t) => {
      await t.run(async () => {
        const loop = t.loop;
        const factory = (): SubprocessProtocol => new SubprocessProtocol();
        const range = expect.objectContaining({ name: 'RangeError', code: 'ERR_LOOP_OUT_OF_RANGE' });
        const type = expect.objectContaining({ name: 'TypeError', code: 'ERR_LOOP_INVALID_ARG' });
        // asyncio's ValueErrors (oracle/subprocess_process.py).
        for (const [opts, msg] of [
          [{ universalNewlines: true }, 'universalNewlines must be false'],
          [{ shell: true }, 'shell must be false'],
          [{ bufsize: 1 }, 'bufsize must be 0'],
          [{ text: true }, 'text must be false'],
          [{ encoding: 'utf-8' }, 'encoding must be null'],
          [{ errors: 'strict' }, 'errors must be null'],
          [{ stdin: STDOUT }, 'stdin cannot be STDOUT'],
          [{ stdout: -7 }, 'stdout must be PIPE'],
          [{ passFds: [-1] }, 'passFds: invalid file descriptor -1'],
        ] as const) {
          await expect(loop.subprocessExec(factory, 'true', [], opts)).rejects.toThrow(range);
          await expect(loop.subprocessExec(factory, 'true', [], opts)).rejects.toThrow(`subprocessExec(): ${msg}`);
        }
        await expect(loop.subprocessShell(factory, 'true', { shell: false })).rejects.toThrow('subprocessShell(): shell must be true');
        await expect(loop.subprocessShell(factory, 5 as unknown as string)).rejects.toThrow(type);
        await expect(loop.subprocessExec(factory, 5 as unknown as string)).rejects.toThrow(type);
        await expect(loop.subprocessExec(factory, 'echo', [1 as unknown as string])).rejects.toThrow(type);
        await expect(loop.subprocessExec(factory, 'echo', ['a\0b'])).rejects.toThrow(range);
        await expect(loop.subprocessExec(factory, 'true', [], { stdin: 'x' as unknown as number })).rejects.toThrow(type);
        await expect(loop.subprocessExec(factory, 'true', [], { bogus: 1 } as never)).rejects.toThrow(type);
        await expect(loop.subprocessExec(5 as never, 'true')).rejects.toThrow(type);
        await expect(createSubprocessExec('true', [], { limit: 0 })).rejects.toThrow(range);
        // Still running: a child starts fine.
        const p = await createSubprocessExec('true');
        expect(await p.wait()).toBe(0);
      });
      t.loop.close();
    });

    it('PROC-10 spawn errors reject with the system error; no descriptor or child left (test_subprocess test_popen_error, test_popen_error_with_stdin_pipe)', async (t) => {
      const before = openFds();
      const notExecutable = t.path('not-executable');
      writeFileSync(notExecutable, '#!/bin/sh\necho no\n');
      chmodSync(notExecutable, 0o644);
      await t.run(async () => {
        const loop = t.loop;
        const factory = (): SubprocessProtocol => new SubprocessProtocol();
        await expect(loop.subprocessExec(factory, '/nonexistent/program')).rejects.toThrow(expect.objectContaining({ code: 'ENOENT', errno: -2 }));
        await expect(loop.subprocessExec(factory, notExecutable)).rejects.toThrow(expect.objectContaining({ code: 'EACCES' }));
        await expect(loop.subprocessExec(factory, 'true', [], { cwd: '/nonexistent/dir' })).rejects.toThrow(expect.objectContaining({ code: 'ENOENT' }));
        await expect(createSubprocessExec('/nonexistent/program', [], { stdin: PIPE, stdout: PIPE, stderr: PIPE })).rejects.toThrow(
          expect.objectContaining({ code: 'ENOENT', syscall: 'spawn /nonexistent/program' }),
        );
      });
      t.loop.close();
      expect(openFds()).toBe(before);
      expect(zombies()).toEqual([]);
    });

    it('PROC-11/12 communicate(): 100 MB (not a whole number of 64 KiB slices) into cat and back while stderr streams, no deadlock (test_subprocess test_communicate, test_stdin_stdout)', async (t) => {
      await t.run(
        async () => {
          const input = Buffer.alloc(100 * 1024 * 1024 + 12_345);
          for (let i = 0; i < input.length; i += 4096) input.writeUInt32LE(i, i);
          const p = await createSubprocessExec('sh', ['-c', 'head -c 10000000 /dev/zero | tr "\\0" e >&2 & cat; wait'], { stdin: PIPE, stdout: PIPE, stderr: PIPE });
          const [out, err] = await p.communicate(input);
          expect(out!.length).toBe(input.length);
          expect(out!.equals(input)).toBe(true);
          expect(err!.length).toBe(10_000_000);
          expect(p.returncode).toBe(0);
          // Feeding a child that does not read is not an error (test_stdin_broken_pipe).
          const q = await createSubprocessExec('true', [], { stdin: PIPE, stdout: PIPE });
          expect(await q.communicate(Buffer.alloc(4 * 1024 * 1024))).toEqual([Buffer.alloc(0), null]);
          expect(q.returncode).toBe(0);
        },
        { seconds: 60 },
      );
      t.loop.close();
    }, { timeout: 90000 });

    it('PROC-11 Process streams: readline, write + drain, writeEof, empty input (test_subprocess test_stdin_stdout, test_empty_input, test_read_stdout_after_process_exit)', async (t) => {
      await t.run(async () => {
        const p = await createSubprocessExec('cat', [], { stdin: PIPE, stdout: PIPE });
        p.stdin!.write(Buffer.from('line 1\nline 2\n'));
        await p.stdin!.drain();
        expect((await p.stdout!.readline()).toString()).toBe('line 1\n');
        expect((await p.stdout!.readline()).toString()).toBe('line 2\n');
        p.stdin!.close();
        await p.stdin!.waitClosed();
        expect((await p.stdout!.read()).length).toBe(0);
        expect(await p.wait()).toBe(0);
        const q = await createSubprocessExec('cat', [], { stdin: PIPE, stdout: PIPE });
        expect(await q.communicate(Buffer.alloc(0))).toEqual([Buffer.alloc(0), null]);
        // Output read after the exit.
        const r = await createSubprocessShell('echo done', { stdout: PIPE });
        expect(await r.wait()).toBe(0);
        expect((await r.stdout!.read()).toString()).toBe('done\n');
        expect(String(r)).toBe(`<Process ${r.pid}>`);
      });
      t.loop.close();
    });

    it('PROC-13 stdout flow control: the reader pauses the pipe above 2 * limit and resumes it (test_subprocess test_pause_reading)', async (t) => {
      await t.run(async () => {
        const loop = t.loop;
        let proto!: SubprocessStreamProtocol;
        const [tr] = await loop.subprocessExec(() => (proto = new SubprocessStreamProtocol(10, loop)), 'sh', ['-c', 'read go; printf xxxxxxxxxxxxxxxxxxxxx'], { stderr: DEVNULL });
        const proc = new Process(tr, proto, loop);
        const stdout = tr.getPipeTransport(1) as ReadTransport;
        const calls: string[] = [];
        const pause = stdout.pauseReading.bind(stdout);
        const resume = stdout.resumeReading.bind(stdout);
        stdout.pauseReading = () => {
          calls.push('pause');
          pause();
        };
        stdout.resumeReading = () => {
          calls.push('resume');
          resume();
        };
        proc.stdin!.write(Buffer.from('go\n'));
        // Let the 21 bytes arrive before reading, so the buffer exceeds 2 * limit.
        await until(loop, () => calls.includes('pause'));
        const [out] = await proc.communicate();
        expect(out!.toString()).toBe('x'.repeat(21));
        expect(calls.slice(0, 2)).toEqual(['pause', 'resume']);
      });
      t.loop.close();
    });

    it('PROC-15 wait() completes at the exit while a grandchild holds stdout open (D68; test_subprocess test_wait_without_pipes_closed)', async (t) => {
      await t.run(async () => {
        const loop = t.loop;
        const p = await createSubprocessShell('sleep 30 & echo $!', { stdout: PIPE });
        const grandchild = Number((await p.stdout!.readline()).toString());
        const start = loop.time();
        expect(await p.wait()).toBe(0);
        expect(loop.time() - start).toBeLessThan(10);
        process.kill(grandchild, 'SIGKILL');
        expect((await p.stdout!.read()).length).toBe(0);
      });
      t.loop.close();
    });

    it('PROC-09 cancelling wait() or communicate() leaves the child running (test_subprocess test_cancel_process_wait; oracle/subprocess_process.py)', async (t) => {
      await t.run(async () => {
        const loop = t.loop;
        const p = await createSubprocessExec('sleep', ['30'], { stdout: PIPE });
        const w = p.wait();
        await sleep(loop, 0.05);
        w.cancel();
        await expect(w).rejects.toThrow(expect.objectContaining({ code: 'ERR_LOOP_CANCELLED' }));
        const c = p.communicate();
        await sleep(loop, 0.05);
        c.cancel();
        await expect(c).rejects.toThrow(expect.objectContaining({ code: 'ERR_LOOP_CANCELLED' }));
        expect(p.returncode).toBeNull();
        expect(isLiveChild(p.pid)).toBe(true);
        p.kill();
        expect(await p.wait()).toBe(-9);
      });
      t.loop.close();
    });

    it('PROC-07 close() kills a running child and closes its pipes (test_subprocess test_close_kill_running)', async (t) => {
      const before = openFds();
      await t.run(async () => {
        const loop = t.loop;
        let proto!: Recorder;
        const [tr] = await loop.subprocessExec(() => (proto = new Recorder(loop)), 'sleep', ['30']);
        tr.close();
        expect(await proto.done).toBeNull();
        expect(tr.getReturncode()).toBe(-9);
        expect(proto.trace[proto.trace.length - 1]).toBe('connection_lost None');
        expect(proto.trace).toContain('process_exited returncode=-9');
        expect(() => tr.kill()).toThrow(expect.objectContaining({ code: 'ESRCH' }));
        expect(tr).toBeInstanceOf(SubprocessTransportImpl);
        expect((tr as SubprocessTransportImpl).toString()).toContain('returncode=-9');
        expect(tr.getExtraInfo('subprocess')).not.toBeNull();
        expect(tr.getExtraInfo('nothing', 'default')).toBe('default');
      });
      t.loop.close();
      expect(openFds()).toBe(before);
    });

    it('PROC-16 loop.close() kills the children still running; no zombie, no descriptor left (unix_events close)', async (t) => {
      const before = openFds();
      const loop = t.newLoop();
      const pids: number[] = [];
      await t.run(
        async () => {
          for (let i = 0; i < 3; i++) {
            const [tr] = await loop.subprocessExec(() => new SubprocessProtocol(), 'sleep', ['30']);
            pids.push(tr.getPid());
          }
        },
        { loop },
      );
      expect(pids.every(isLiveChild)).toBe(true);
      loop.close();
      // libuv reaps them from Node's loop.
      for (let i = 0; i < 500 && pids.some((pid) => procState(pid) !== null); i++) await new Promise((r) => setTimeout(r, 10));
      expect(pids.map(procState)).toEqual([null, null, null]);
      for (let i = 0; i < 1000 && openFds() > before; i++) await new Promise((r) => setTimeout(r, 10));
      expect(openFds()).toBe(before);
    });

    it('PROC-09 cancelling the task awaiting subprocessExec kills the child; no zombie, no descriptor, no handler call (test_subprocess test_cancel_make_subprocess_transport_exec)', async (t) => {
      const before = openFds();
      await t.run(
        async () => {
          const loop = t.loop;
          for (let i = 0; i < 8; i++) {
            const task = loop.createTask(async () => loop.subprocessExec(() => new SubprocessProtocol(), 'sleep', ['30']));
            for (let k = 0; k < i % 4; k++) await sleep(loop, 0);
            task.cancel();
            try {
              const [tr] = await task;
              // Started before the cancellation arrived: the caller owns it.
              tr.close();
            } catch (err) {
              expect((err as { code?: string }).code).toBe('ERR_LOOP_CANCELLED');
            }
          }
          await until(loop, () => zombies().length === 0 && openFds() <= before);
        },
        { seconds: 30 },
      );
      t.loop.close();
      expect(zombies()).toEqual([]);
      expect(openFds()).toBe(before);
    });

    it('PROC-05 closing our end of stdout: pipeConnectionLost(1, null), the child gets EPIPE (test_events test_subprocess_close_client_stream)', async (t) => {
      await t.run(async () => {
        const loop = t.loop;
        let proto!: Recorder;
        const [tr] = await loop.subprocessExec(
          () => (proto = new Recorder(loop)),
          'sh',
          ['-c', 'read x; trap "" PIPE; echo one; read y; echo two || echo "write failed" >&2'],
        );
        const stdin = tr.getPipeTransport(0) as WriteTransport;
        stdin.write(Buffer.from('x\n'));
        await until(loop, () => proto.text(1) === 'one\n');
        tr.getPipeTransport(1)!.close();
        await until(loop, () => proto.trace.includes('pipe_connection_lost 1 None'));
        stdin.write(Buffer.from('y\n'));
        await proto.done;
        expect(proto.text(2)).toContain('write failed');
        expect(proto.text(1)).toBe('one\n');
        tr.close();
      });
      t.loop.close();
    });

    it('PROC-02 an exception in a protocol callback goes to the exception handler; the transport goes on (base_subprocess _call)', async (t) => {
      const calls = t.expectExceptionHandlerCalls();
      await t.run(async () => {
        const loop = t.loop;
        class Faulty extends Recorder {
          override pipeDataReceived(fd: number, data: Buffer): void {
            super.pipeDataReceived(fd, data);
            throw new Error('boom');
          }
        }
        let proto!: Faulty;
        const [tr] = await loop.subprocessExec(() => (proto = new Faulty(loop)), 'echo', ['hi'], { stdin: DEVNULL, stderr: DEVNULL });
        expect(await proto.done).toBeNull();
        expect(tr.getReturncode()).toBe(0);
        expect(calls.map((c) => (c.exception as Error).message)).toEqual(['boom']);
        tr.close();
      });
      t.loop.close();
    });

    it('PROC-11 the high-level functions need a running loop (RuntimeError, no running event loop)', async (t) => {
      expect(() => createSubprocessExec('true')).toThrow(expect.objectContaining({ code: 'ERR_LOOP_NO_RUNNING_LOOP' }));
      expect(() => createSubprocessShell('true')).toThrow(expect.objectContaining({ code: 'ERR_LOOP_NO_RUNNING_LOOP' }));
      await t.run(async () => {
        const p = await createSubprocessExec('true');
        expect(await p.wait()).toBe(0);
      });
      t.loop.close();
    });

    it('PROC-09 50 spawn-and-cancel cycles: zero zombies, descriptors back (test_subprocess test_cancel_make_subprocess_transport_exec)', async (t) => {
      const before = openFds();
      await t.run(
        async () => {
          const loop = t.loop;
          for (let i = 0; i < 50; i++) {
            const fut = createSubprocessExec('sleep', ['30'], { stdin: PIPE, stdout: PIPE, stderr: PIPE });
            // Cancel at once, or after a few iterations (while the pipes connect).
            for (let k = 0; k < i % 4; k++) await sleep(loop, 0);
            if (fut.done()) {
              const p = fut.result();
              p.kill();
              await p.wait();
            } else {
              fut.cancel();
            }
          }
          await until(loop, () => zombies().length === 0 && openFds() <= before);
        },
        { seconds: 60 },
      );
      t.loop.close();
      expect(zombies()).toEqual([]);
      expect(openFds()).toBe(before);
    }, { timeout: 90000 });

    it('PROC-17 passFds keeps a descriptor at its number; nothing else of ours is inherited (test_subprocess test_pass_fds, test_close_fds)', async (t) => {
      const before = openFds();
      await t.run(async () => {
        const [r, w] = pipe();
        const [s1, s2] = socketpair();
        try {
          let p = await createSubprocessShell(`echo passed > /proc/self/fd/${w}`, { passFds: [w] });
          expect(await p.wait()).toBe(0);
          const buf = Buffer.alloc(100);
          const n = (await import('node:fs')).readSync(r, buf);
          expect(buf.subarray(0, n).toString()).toBe('passed\n');
          // Without passFds the child has none of our descriptors: only 0, 1, 2 and ls's own.
          p = await createSubprocessExec('ls', ['/proc/self/fd'], { stdin: PIPE, stdout: PIPE, stderr: PIPE });
          const [out] = await p.communicate();
          const childFds = out!.toString().trim().split('\n').map(Number);
          const ours = [r, w, s1.fileno(), s2.fileno()];
          for (const fd of ours) expect(childFds).not.toContain(fd);
          // Any other descriptor the child has was inherited from outside the loop (not close-on-exec here).
          for (const fd of childFds.filter((n) => n > 3)) {
            const flags = parseInt(/flags:\s*(\d+)/.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))![1], 8);
            expect(flags & 0o2000000).toBe(0);
          }
        } finally {
          closeSync(r);
          closeSync(w);
          s1.close();
          s2.close();
        }
      });
      t.loop.close();
      expect(openFds()).toBe(before);
    });

    it('PROC-18 startNewSession: the child leads a new session (test_subprocess test_start_new_session)', async (t) => {
      await t.run(async () => {
        const script = 'cut -d" " -f6 /proc/$$/stat; echo $$';
        let p = await createSubprocessShell(script, { stdout: PIPE, startNewSession: true });
        let [sid, pid] = (await p.communicate())[0]!.toString().trim().split('\n').map(Number);
        expect(sid).toBe(pid);
        expect(pid).toBe(p.pid);
        p = await createSubprocessShell(script, { stdout: PIPE });
        [sid, pid] = (await p.communicate())[0]!.toString().trim().split('\n').map(Number);
        expect(sid).not.toBe(pid);
      });
      t.loop.close();
    });

    it('PROC-19 env, cwd, uid and gid (test_subprocess test_create_subprocess_exec_with_path; Popen env/cwd)', async (t) => {
      await t.run(async () => {
        const dir = realpathSync(t.path('.'));
        const p = await createSubprocessExec('/bin/sh', ['-c', 'echo "$FOO|$HOME|$(pwd)"'], { stdout: PIPE, env: { FOO: 'bar baz' }, cwd: dir });
        expect((await p.communicate())[0]!.toString()).toBe(`bar baz||${dir}\n`);
        const q = await createSubprocessShell('echo $0', { stdout: PIPE });
        expect((await q.communicate())[0]!.toString()).toBe('/bin/sh\n');
        // uid / gid (this suite runs as root in CI; otherwise the kernel refuses: EPERM).
        if (process.getuid?.() === 0) {
          const r = await createSubprocessShell('id -u; id -g', { stdout: PIPE, uid: 65534, gid: 65534 });
          expect((await r.communicate())[0]!.toString()).toBe('65534\n65534\n');
        } else {
          await expect(createSubprocessExec('true', [], { uid: 0 })).rejects.toThrow(expect.objectContaining({ code: 'EPERM' }));
        }
      });
      t.loop.close();
    });
  });
}
