// run() of @loop/core and Ctrl-C, with @loop/signals composed into its loop:
// the same scenarios as the CPython twin
// packages/conformance/oracle/signal_run_ctrl_c.py, each in a child process
// that sends itself real SIGINTs. The stdout traces and the way each process
// ended (status, or the signal that ended it) are compared with the twin's,
// which CPython 3.11 runs here too. The Node program ends as Python does by
// the idiom run()'s documentation gives: on KeyboardInterrupt, re-send
// SIGINT once the loop is closed.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '..');
const twin = join(root, '..', 'conformance', 'oracle', 'signal_run_ctrl_c.py');
const PYTHON = process.env.PYTHON ?? 'python3';

interface Outcome {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
}

const NODE_TWIN = `
  const { compose, KeyboardInterrupt, isCancelledError } = require('@loop/interfaces');
  const { BaseEventLoop, run, sleep, getRunningLoop, CancelledError } = require('@loop/core');
  const { signals } = require('@loop/signals');
  const mode = process.argv[1];
  const say = (...parts) => console.log(...parts);
  const interruptSoon = () => getRunningLoop().callLater(0.01, () => process.kill(process.pid, 'SIGINT'));
  async function main() {
    say('main: start');
    if (mode !== 'other') interruptSoon();
    try {
      await sleep(mode === 'other' ? 0.5 : 10);
    } catch (e) {
      if (!(e instanceof CancelledError)) throw e;
      say('main: cancelled');
      if (mode === 'once') throw e;
      if (mode === 'caught') return 'finished anyway';
      try {
        interruptSoon();
        await sleep(10);
      } catch (e2) {
        if (e2 instanceof CancelledError) say('main: cleanup cancelled by the shutdown');
        throw e2;
      }
    }
    say('main: end');
    return 'done';
  }
  const Base = { base: BaseEventLoop, proactor: require('@loop/proactor').ProactorEventLoop, selector: require('@loop/selector').SelectorEventLoop }[process.argv[2] || 'base'];
  const Loop = compose(Base, signals);
  run(main, { loopFactory: () => new Loop() }).then(
    (result) => say('run: returned', result),
    (e) => {
      if (!(e instanceof KeyboardInterrupt)) throw e;
      say('run: KeyboardInterrupt');
      if (e.code !== 'ERR_LOOP_KEYBOARD_INTERRUPT') say('bad code', e.code);
      if (process.listenerCount('SIGINT') !== 0) say('a SIGINT listener was left');
      process.kill(process.pid, 'SIGINT');
    },
  );
`;

function node(mode: string, source = NODE_TWIN, base = 'base'): Outcome {
  const r = spawnSync(process.execPath, ['-e', source, mode, base], { cwd: root, encoding: 'utf8', timeout: 20000 });
  if (r.stderr !== '') throw new Error(`node twin (${mode}) wrote to stderr:\n${r.stderr}`);
  return { status: r.status, signal: r.signal, stdout: r.stdout };
}

function python(mode: string): Outcome {
  const r = spawnSync(PYTHON, [twin, mode], { encoding: 'utf8', timeout: 20000 });
  return { status: r.status, signal: r.signal, stdout: r.stdout };
}

describe('run() and Ctrl-C (asyncio 3.11 Runner._on_sigint; test_runners.py::RunTests::test_asyncio_run_... / RunnerTests::test_signal_install_not_supported_ok)', () => {
  it('one SIGINT while main waits: main is cancelled, run() rejects with KeyboardInterrupt, the process ends by SIGINT — as the twin', () => {
    const expected: Outcome = { status: null, signal: 'SIGINT', stdout: 'main: start\nmain: cancelled\nrun: KeyboardInterrupt\n' };
    expect(python('once')).toEqual(expected);
    expect(node('once')).toEqual(expected);
  });

  it('a second SIGINT during main\'s cleanup interrupts: the shutdown cancels the cleanup, then KeyboardInterrupt — as the twin', () => {
    const expected: Outcome = {
      status: null,
      signal: 'SIGINT',
      stdout: 'main: start\nmain: cancelled\nmain: cleanup cancelled by the shutdown\nrun: KeyboardInterrupt\n',
    };
    expect(python('twice')).toEqual(expected);
    expect(node('twice')).toEqual(expected);
  });

  it('main catches the cancellation and returns: run() resolves to its result (no KeyboardInterrupt) — as the twin', () => {
    const expected: Outcome = { status: 0, signal: null, stdout: 'main: start\nmain: cancelled\nrun: returned finished anyway\n' };
    expect(python('caught')).toEqual(expected);
    expect(node('caught')).toEqual(expected);
  });

  it('no SIGINT: run() returns, and its SIGINT handler is gone afterwards (a later SIGINT ends the process) — as the twin', () => {
    const expected: Outcome = { status: 0, signal: null, stdout: 'main: start\nmain: end\nrun: returned done\n' };
    expect(python('other')).toEqual(expected);
    expect(node('other')).toEqual(expected);
    const after = node('x', NODE_TWIN.replace("const mode = process.argv[1];", "const mode = 'other';").replace(
      "(result) => say('run: returned', result),",
      "(result) => { say('run: returned', result, process.listenerCount('SIGINT')); process.kill(process.pid, 'SIGINT'); setTimeout(() => say('alive'), 1000); },",
    ));
    expect(after).toEqual({ status: null, signal: 'SIGINT', stdout: 'main: start\nmain: end\nrun: returned done 0\n' });
  });

  it('another SIGINT listener was there first: run() leaves Ctrl-C to it (asyncio: SIGINT not default_int_handler)', () => {
    const source = NODE_TWIN.replace("const mode = process.argv[1];", "const mode = 'once'; process.on('SIGINT', () => say('own listener'));");
    // The user's listener hears the SIGINT; main is never cancelled, so it would wait 10 s: stop it after the signal.
    const r = node(
      'x',
      source.replace("await sleep(mode === 'other' ? 0.5 : 10);", "await sleep(0.3);"),
    );
    expect(r).toEqual({ status: 0, signal: null, stdout: 'main: start\nown listener\nmain: end\nrun: returned done\n' });
  });

  it('a loop without @loop/signals: run() installs nothing, a SIGINT ends the process at once (Node\'s default)', () => {
    const source = NODE_TWIN.replace('const Loop = compose(Base, signals);', 'const Loop = Base;');
    expect(node('once', source)).toEqual({ status: null, signal: 'SIGINT', stdout: 'main: start\n' });
  });

  it.each(['proactor', 'selector'])('on the %s loop (compose(Loop, signals)): one SIGINT, then two — as the twin', (base) => {
    expect(node('once', NODE_TWIN, base)).toEqual(python('once'));
    expect(node('twice', NODE_TWIN, base)).toEqual(python('twice'));
  });

  it('in a worker thread (where signals never arrive): run() runs main as usual and no SIGINT listener appears in the process', () => {
    const source = `
      const { Worker } = require('node:worker_threads');
      const worker = new Worker(\`
        const { compose } = require('@loop/interfaces');
        const { BaseEventLoop, run, sleep } = require('@loop/core');
        const { signals } = require('@loop/signals');
        const { parentPort } = require('node:worker_threads');
        run(async () => { await sleep(0.01); return 'worker main done'; }, { loopFactory: () => new (compose(BaseEventLoop, signals))() })
          .then((r) => parentPort.postMessage(r), (e) => parentPort.postMessage('error ' + e));
      \`, { eval: true });
      worker.once('message', (m) => { console.log(m, process.listenerCount('SIGINT')); worker.terminate(); });
    `;
    expect(node('x', source)).toEqual({ status: 0, signal: null, stdout: 'worker main done 0\n' });
  });
});
