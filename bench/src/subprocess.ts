/**
 * The `@loop/subprocess` benchmark: a report (it prints its own table), run
 * with `--only subprocess`.
 *
 * - spawn-and-wait: `createSubprocessExec('true')` + `wait()`, one child at a
 *   time, against Node's `child_process.spawn('true')` + `'exit'` in the same
 *   run (processes/s; target >= 0.9x). All three streams are `/dev/null`
 *   (`DEVNULL` / `'ignore'`), so the figures compare the start and the reaping.
 * - communicate: 256 MB through `cat` with `communicate(input)` against a raw
 *   `child_process.spawn('cat')` pipe (write all, `end()`, collect stdout into
 *   one Buffer as `communicate` returns it, wait for `'close'`) (MB/s; target
 *   >= 0.8x). `communicate` writes its input in 64 KiB slices with a drain
 *   between them (D80): when it wrote it at once, the selector loop's pipe
 *   transport copied the unsent tail (asyncio's `bytearray +=`), 0.62x.
 *
 * Each figure runs on the proactor and on the selector loop. The median of
 * `BENCH_RUNS` (3) runs is reported, runs interleaved with their reference.
 */
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { run } from '@loop/core';
import { compose } from '@loop/interfaces';
import { net } from '@loop/net';
import { ProactorEventLoop } from '@loop/proactor';
import { SelectorEventLoop } from '@loop/selector';
import { DEVNULL, PIPE, createSubprocessExec, subprocess } from '@loop/subprocess';
import { check } from './cases.js';

const ProactorLoop = compose(ProactorEventLoop, net, subprocess);
const SelectorLoop = compose(SelectorEventLoop, net, subprocess);
const LOOPS = { proactor: () => new ProactorLoop(), selector: () => new SelectorLoop(null) } as const;
type LoopName = keyof typeof LOOPS;

function intFromEnv(name: string, dflt: number): number {
  const raw = process.env[name];
  const n = raw === undefined || raw === '' ? dflt : Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`${name} must be an integer >= 1, got ${String(raw)}`);
  return n;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function loopSpawns(loop: LoopName, n: number): Promise<number> {
  return run(
    async () => {
      const t0 = performance.now();
      for (let i = 0; i < n; i++) {
        const p = await createSubprocessExec('true', [], { stdin: DEVNULL, stdout: DEVNULL, stderr: DEVNULL });
        check((await p.wait()) === 0, 'true exits 0');
      }
      return n / ((performance.now() - t0) / 1000);
    },
    { loopFactory: LOOPS[loop] },
  );
}

async function nodeSpawns(n: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    await new Promise<void>((resolve, reject) => {
      const child = spawn('true', [], { stdio: 'ignore' });
      child.on('error', reject);
      child.on('exit', (code) => {
        check(code === 0, 'true exits 0');
        resolve();
      });
    });
  }
  return n / ((performance.now() - t0) / 1000);
}

async function loopCat(loop: LoopName, input: Buffer): Promise<number> {
  return run(
    async () => {
      const t0 = performance.now();
      const p = await createSubprocessExec('cat', [], { stdin: PIPE, stdout: PIPE });
      const [out] = await p.communicate(input);
      const dt = (performance.now() - t0) / 1000;
      check(out!.length === input.length, 'cat returns every byte');
      return input.length / 1e6 / dt;
    },
    { loopFactory: LOOPS[loop] },
  );
}

async function nodeCat(input: Buffer): Promise<number> {
  const t0 = performance.now();
  const n = await new Promise<number>((resolve, reject) => {
    const child = spawn('cat', [], { stdio: ['pipe', 'pipe', 'ignore'] });
    // Collected into one Buffer, as communicate() returns it.
    const chunks: Buffer[] = [];
    child.on('error', reject);
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.on('close', () => resolve(Buffer.concat(chunks).length));
    child.stdin.end(input);
  });
  const dt = (performance.now() - t0) / 1000;
  check(n === input.length, 'cat returns every byte');
  return input.length / 1e6 / dt;
}

interface Row {
  label: string;
  unit: string;
  samples: number[];
}

/** Runs the report and returns the medians by row label. */
export async function runSubprocessBench(): Promise<Record<string, number>> {
  const runs = intFromEnv('BENCH_RUNS', 3);
  const spawns = intFromEnv('BENCH_SUBPROCESS_SPAWNS', 300);
  const mb = intFromEnv('BENCH_SUBPROCESS_MB', 256);
  const input = Buffer.alloc(mb * 1024 * 1024, 'x');
  console.log(`\nsubprocess: spawn-and-wait of true x ${spawns}, communicate of ${mb} MB through cat; median of ${runs} runs`);
  const rows: Row[] = [
    { label: 'spawn+wait, proactor', unit: 'proc/s', samples: [] },
    { label: 'spawn+wait, selector', unit: 'proc/s', samples: [] },
    { label: 'spawn+exit, node', unit: 'proc/s', samples: [] },
    { label: 'communicate, proactor', unit: 'MB/s', samples: [] },
    { label: 'communicate, selector', unit: 'MB/s', samples: [] },
    { label: 'cat pipe, node', unit: 'MB/s', samples: [] },
  ];
  const measure: (() => Promise<number>)[] = [
    () => loopSpawns('proactor', spawns),
    () => loopSpawns('selector', spawns),
    () => nodeSpawns(spawns),
    () => loopCat('proactor', input),
    () => loopCat('selector', input),
    () => nodeCat(input),
  ];
  for (let r = 0; r < runs; r++) {
    // Each group starts with a different member each run.
    for (const group of [[0, 1, 2], [3, 4, 5]]) {
      for (let k = 0; k < group.length; k++) {
        const i = group[(k + r) % group.length];
        rows[i].samples.push(await measure[i]());
      }
    }
  }
  const med: Record<string, number> = {};
  for (const row of rows) {
    med[row.label] = median(row.samples);
    console.log(`  ${row.label.padEnd(24)} ${med[row.label].toFixed(0).padStart(8)} ${row.unit}   (${row.samples.map((x) => x.toFixed(0)).join(', ')})`);
  }
  const ratio = (label: string, num: string, den: string, target: number): void => {
    const v = med[num] / med[den];
    console.log(`  ${label.padEnd(44)} ${v.toFixed(2)}x  target >= ${target}  ${v >= target ? 'ok' : 'MISSED'}`);
  };
  ratio('spawn+wait proactor / node spawn+exit', 'spawn+wait, proactor', 'spawn+exit, node', 0.9);
  ratio('spawn+wait selector / node spawn+exit', 'spawn+wait, selector', 'spawn+exit, node', 0.9);
  ratio('communicate proactor / node cat pipe', 'communicate, proactor', 'cat pipe, node', 0.8);
  ratio('communicate selector / node cat pipe', 'communicate, selector', 'cat pipe, node', 0.8);
  return med;
}
