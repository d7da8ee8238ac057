/**
 * The benchmark harness: runs every case `BENCH_ROUNDS` x `BENCH_RUNS` times
 * (3 x 5) and reports the median, each figure beside the Node references
 * measured in the same run, as ratios against the targets set in cases.ts.
 *
 * HOW: every case runs in a child process of its own (`node --expose-gc
 * dist/index.js --case <id>`), which measures it `BENCH_RUNS` times after
 * `BENCH_WARMUP` (0) unrecorded runs and prints the samples as JSON. That is
 * one round; `BENCH_ROUNDS` rounds run the cases interleaved (round r starts
 * at case r), and a figure is the median of all its samples: on a shared
 * machine whose load drifts over seconds, a case and its reference then see
 * the same mix of quiet and busy moments. A fresh
 * process per case keeps the figures independent: JIT feedback from one case
 * does not leak into the next, and state the loop turns on for the whole
 * process (the promise hooks that async-function tasks use slow every
 * promise) does not tax the references.
 *
 *   node --expose-gc dist/index.js                 all cases, table, results/latest.json
 *   node --expose-gc dist/index.js --only timers   cases whose id or group contains "timers"
 *   node --expose-gc dist/index.js --case <id>     one case (what the children run)
 *   node --expose-gc dist/index.js --only tcp-echo the TCP echo benchmark alone
 *   BENCH_ONLY=tcp-echo ...                        as --only (npm at the root eats a bare --only)
 *
 * Reports: the TCP echo benchmark (`tcp-echo.ts`) is not a one-number case:
 * it spawns its own server and client processes and prints its own table, so
 * it is registered in `REPORTS` and selected by `--only` the same way.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import type { AbsoluteTarget, Case, Ratio, Unit } from './cases.js';
import { callSoonCases } from './call-soon.js';
import { executorCases } from './executors.js';
import { helperCases } from './helpers.js';
import { memoryCases } from './memory.js';
import { spawnCases } from './spawn.js';
import { runSubprocessBench } from './subprocess.js';
import { runTcpEcho } from './tcp-echo.js';
import { timerCases } from './timers.js';
import { wakeupCases } from './wakeup.js';

const CASES: Case[] = [...callSoonCases, ...timerCases, ...wakeupCases, ...spawnCases, ...helperCases, ...executorCases, ...memoryCases];

/** Benchmarks that run their own processes and print their own tables, after the cases. */
const REPORTS: { id: string; group: string; run(): Promise<unknown> }[] = [
  { id: 'tcp-echo', group: 'network', run: runTcpEcho },
  { id: 'subprocess', group: 'subprocess', run: runSubprocessBench },
];

const RATIOS: Ratio[] = [
  { label: 'callSoon chain / setImmediate chain', num: 'callSoon.chain', den: 'setImmediate.chain', target: { op: '>=', value: 4 } },
  { label: 'callSoon batch / setImmediate batch', num: 'callSoon.batch', den: 'setImmediate.batch', target: { op: '>=', value: 3 } },
  { label: 'SelectorEventLoop / BaseEventLoop callSoon batch', num: 'callSoon.batch.selector', den: 'callSoon.batch', target: { op: '>=', value: 0.9 } },
  { label: 'SelectorEventLoop / BaseEventLoop callSoon chain', num: 'callSoon.chain.selector', den: 'callSoon.chain', target: { op: '>=', value: 0.9 } },
  { label: 'SelectorEventLoop (one fd watched) / BaseEventLoop callSoon chain', num: 'callSoon.chain.selectorFd', den: 'callSoon.chain' },
  { label: 'callSoon chain / queueMicrotask chain', num: 'callSoon.chain', den: 'queueMicrotask.chain' },
  { label: 'callSoon batch / queueMicrotask batch', num: 'callSoon.batch', den: 'queueMicrotask.batch' },
  { label: 'batch ceiling: floor / setImmediate batch', num: 'floor.retain', den: 'setImmediate.batch' },
  { label: 'callSoon batch / floor', num: 'callSoon.batch', den: 'floor.retain' },
  { label: 'callLater / setTimeout CPU, all fire', num: 'callLater.all', den: 'setTimeout.all', target: { op: '<=', value: 1 } },
  { label: 'callLater / setTimeout CPU, half cancelled', num: 'callLater.halfCancelled', den: 'setTimeout.halfCancelled', target: { op: '<=', value: 1 } },
  { label: 'generator wake-ups / Promise+setImmediate', num: 'wakeup.generator', den: 'wakeup.promiseImmediate', target: { op: '>=', value: 2 } },
  { label: 'async wake-ups / Promise+setImmediate', num: 'wakeup.async', den: 'wakeup.promiseImmediate', target: { op: '>=', value: 1 } },
  { label: 'TimerHandle / setTimeout bytes', num: 'memory.timerHandle', den: 'memory.setTimeout' },
  { label: 'Future / Promise bytes', num: 'memory.future', den: 'memory.promise' },
  { label: 'runInExecutor (module ref) / piscina.run round trips', num: 'executors.loopModule', den: 'executors.piscina', target: { op: '>=', value: 0.9 } },
  { label: 'runInExecutor (function source) / piscina.run round trips', num: 'executors.loopSource', den: 'executors.piscina' },
];

const ABSOLUTE: AbsoluteTarget[] = [
  { label: 'task spawn, tasks/s', id: 'spawn.generatorTasks', op: '>=', value: 960_000, note: 'uvloop does ~480 k/s' },
];

function intFromEnv(name: string, dflt: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new RangeError(`${name} must be an integer >= ${min}, got ${raw}`);
  return n;
}

const RUNS = intFromEnv('BENCH_RUNS', 5, 1);
/** Rounds over the cases: each case's figure is the median of ROUNDS x RUNS samples from ROUNDS processes. */
const ROUNDS = intFromEnv('BENCH_ROUNDS', 3, 1);
const WARMUP = intFromEnv('BENCH_WARMUP', 0, 0);
const RESULT_PREFIX = '@@bench-result ';

// ------------------------------------------------------------------ child: one case

async function runCase(id: string): Promise<void> {
  const c = CASES.find((x) => x.id === id);
  if (c === undefined) throw new RangeError(`unknown case ${id}; known: ${CASES.map((x) => x.id).join(', ')}`);
  for (let i = 0; i < WARMUP; i++) await c.run();
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) samples.push(await c.run());
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(samples)}\n`);
}

// ------------------------------------------------------------------ parent: all cases

interface CaseResult {
  id: string;
  group: string;
  label: string;
  reference: boolean;
  unit: Unit;
  median: number;
  min: number;
  max: number;
  samples: number[];
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function spawnCase(c: Case): number[] {
  const script = fileURLToPath(import.meta.url);
  const r = spawnSync(process.execPath, ['--expose-gc', script, '--case', c.id], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, BENCH_RUNS: String(RUNS), BENCH_WARMUP: String(WARMUP) },
  });
  if (r.error) throw r.error;
  const line = r.stdout.split('\n').find((l) => l.startsWith(RESULT_PREFIX));
  if (r.status !== 0 || line === undefined) {
    throw new Error(`case ${c.id} failed (status ${r.status}):\n${r.stdout}`);
  }
  return JSON.parse(line.slice(RESULT_PREFIX.length)) as number[];
}

function formatFigure(value: number, unit: Unit): string {
  switch (unit) {
    case 'ops/s':
      if (value >= 1e6) return `${(value / 1e6).toFixed(2)} M/s`;
      return `${(value / 1e3).toFixed(0)} k/s`;
    case 'cpu-s':
      return `${value.toFixed(3)} s cpu`;
    case 'bytes':
      return `${value.toFixed(0)} B`;
    case 'ms':
      return `${value.toFixed(0)} ms`;
  }
}

function spread(r: CaseResult): string {
  if (r.median === 0) return '';
  const lo = ((r.min - r.median) / r.median) * 100;
  const hi = ((r.max - r.median) / r.median) * 100;
  return `${lo.toFixed(0)}%/+${hi.toFixed(0)}%`;
}

function pad(s: string, n: number, right = false): string {
  return right ? s.padStart(n) : s.padEnd(n);
}

interface RatioResult {
  label: string;
  num: string;
  den: string;
  value: number;
  target: string | null;
  met: boolean | null;
  /** The figure divided by its target: > 1 is better for a `>=` target, < 1 for a `<=` one. */
  ofTarget: number | null;
  note?: string | null;
}

function judge(value: number, op: '>=' | '<=', target: number): { met: boolean; ofTarget: number } {
  return { met: op === '>=' ? value >= target : value <= target, ofTarget: value / target };
}

function status(met: boolean | null, ofTarget: number | null): string {
  if (met === null || ofTarget === null) return '';
  return `${met ? 'met' : 'MISSED'} (${ofTarget.toFixed(2)}x the target)`;
}

async function main(): Promise<void> {
  const onlyIdx = process.argv.indexOf('--only');
  const only = onlyIdx >= 0 ? (process.argv[onlyIdx + 1] ?? '') : (process.env.BENCH_ONLY ?? '');
  const selected = CASES.filter((c) => only === '' || c.id.includes(only) || c.group.includes(only));
  const reports = REPORTS.filter((r) => only === '' || r.id.includes(only) || r.group.includes(only));
  const started = Date.now();
  const also = reports.length > 0 ? ` + ${reports.map((r) => r.id).join(', ')}` : '';
  console.log(
    `@loop benchmarks: ${selected.length} cases, median of ${ROUNDS} rounds x ${RUNS} runs (+${WARMUP} warm-up), one process per case per round${also}`,
  );
  console.log(`node ${process.version}, ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, ${os.platform()} ${os.arch()}`);

  // Rounds: each round runs every selected case once (a fresh process each),
  // starting from a different case, so a drift of the machine's load spreads
  // over a figure and its reference instead of landing on one of them.
  const pooled = new Map<string, number[]>(selected.map((c) => [c.id, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (let k = 0; k < selected.length; k++) {
      const c = selected[(k + round) % selected.length];
      const t0 = Date.now();
      const samples = spawnCase(c);
      pooled.get(c.id)!.push(...samples);
      const tag = ROUNDS > 1 ? `round ${round + 1} ` : '';
      console.log(`  ${tag}${pad(c.id, 26)} ${pad(formatFigure(median(samples), c.unit), 14, true)}  (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    }
  }
  const results = new Map<string, CaseResult>();
  for (const c of selected) {
    const samples = pooled.get(c.id)!;
    results.set(c.id, {
      id: c.id,
      group: c.group,
      label: c.label,
      reference: c.reference,
      unit: c.unit,
      median: median(samples),
      min: Math.min(...samples),
      max: Math.max(...samples),
      samples,
    });
  }

  // ---- the table: figures by group, then ratios and targets
  const lines: string[] = [];
  const W = 46;
  lines.push('');
  lines.push(`${pad('figure (median)', W)} ${pad('value', 14, true)}  ${pad('spread', 11, true)}`);
  let group = '';
  for (const r of results.values()) {
    if (r.group !== group) {
      group = r.group;
      lines.push(`-- ${group}`);
    }
    const label = `  ${r.label}${r.reference ? ' [node]' : ''}`;
    lines.push(`${pad(label, W)} ${pad(formatFigure(r.median, r.unit), 14, true)}  ${pad(spread(r), 11, true)}`);
  }

  const ratioResults: RatioResult[] = [];
  for (const q of RATIOS) {
    const a = results.get(q.num);
    const b = results.get(q.den);
    if (a === undefined || b === undefined) continue;
    const value = a.median / b.median;
    const j = q.target ? judge(value, q.target.op, q.target.value) : null;
    ratioResults.push({
      label: q.label,
      num: q.num,
      den: q.den,
      value,
      target: q.target ? `${q.target.op} ${q.target.value}x` : null,
      met: j?.met ?? null,
      ofTarget: j?.ofTarget ?? null,
    });
  }
  const absResults: RatioResult[] = [];
  for (const t of ABSOLUTE) {
    const a = results.get(t.id);
    if (a === undefined) continue;
    const j = judge(a.median, t.op, t.value);
    absResults.push({
      label: t.label,
      num: t.id,
      den: '',
      value: a.median,
      target: `${t.op} ${formatFigure(t.value, a.unit)}`,
      note: t.note ?? null,
      met: j.met,
      ofTarget: j.ofTarget,
    });
  }

  if (ratioResults.length > 0 || absResults.length > 0) {
    lines.push('');
    lines.push(`${pad('ratio (of medians)', W)} ${pad('value', 14, true)}  ${pad('target', 11)} status`);
    for (const q of ratioResults) {
      lines.push(`${pad(`  ${q.label}`, W)} ${pad(`${q.value.toFixed(2)}x`, 14, true)}  ${pad(q.target ?? '-', 11)} ${status(q.met, q.ofTarget)}`.trimEnd());
    }
    for (const q of absResults) {
      const unit = results.get(q.num)!.unit;
      const note = q.note ? `; ${q.note}` : '';
      lines.push(`${pad(`  ${q.label}`, W)} ${pad(formatFigure(q.value, unit), 14, true)}  ${pad(q.target ?? '-', 11)} ${status(q.met, q.ofTarget)}${note}`);
    }
  }
  if (selected.length > 0) console.log(lines.join('\n'));

  const reportResults: Record<string, unknown> = {};
  for (const r of reports) reportResults[r.id] = await r.run();

  const out = {
    date: new Date().toISOString(),
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
    cpus: os.cpus().map((c) => c.model),
    runs: RUNS,
    warmup: WARMUP,
    seconds: (Date.now() - started) / 1000,
    results: [...results.values()],
    ratios: ratioResults,
    targets: absResults,
    reports: reportResults,
  };
  const dir = fileURLToPath(new URL('../results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}latest.json`, JSON.stringify(out, null, 2) + '\n');
  console.log(`\nwrote results/latest.json (${out.seconds.toFixed(0)} s)`);
}

const caseIdx = process.argv.indexOf('--case');
if (caseIdx >= 0) await runCase(process.argv[caseIdx + 1] ?? '');
else await main();
