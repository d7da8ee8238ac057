/**
 * The TCP echo benchmark: request/response ping-pong over 10 connections,
 * 1 KiB and 64 KiB messages, against each server system in the same run,
 * with ratios against raw `node:net`; and memory per idle connection.
 *
 * HOW, one ping-pong run of one system at one size:
 *   1. build the C load generator (`c/echo-client.c`) with `cc -O2` into
 *      `build/` (gitignored) — once per benchmark, from source;
 *   2. spawn the server (`tcp-echo-server.js <system>`) pinned to CPU 1
 *      (`taskset -c 1`); it prints `ready <port>`, or `unavailable <reason>`
 *      when its packages are missing, and the system is reported so;
 *   3. spawn the client pinned to CPU 0: 10 connections, `SIZE`-byte
 *      messages, 1 s warm-up, 5 s measured; it prints `measure-start` and
 *      `measure-end` around the measured window, and the parent asks the
 *      server for its `process.cpuUsage()` at each, so CPU per request is the
 *      server's CPU over the window divided by the requests the client
 *      completed in it; then the client prints requests/s, MiB/s, p50 and
 *      p99 latency (timed per request with `clock_gettime`) as JSON;
 *   4. quit the server. A fresh server per run, so runs are independent.
 * Runs are interleaved (run 1 of every system and size, then run 2...), each
 * run starting with a different system, so a drift of the machine's load
 * spreads over all systems; each figure is the median of its runs. On a
 * machine with other work, requests/s swing with the CPU share the server
 * gets; its CPU per request (and that ratio, `cpu vs node`) swings much less.
 *
 * Memory per idle connection: a fresh server, `mem` (two full collections,
 * `process.memoryUsage()`), the client's idle mode opens 2,000 connections
 * and holds them, the server is polled until it counts 2,000, `mem` again;
 * the RSS and `heapUsed + external` deltas divided by 2,000.
 *
 * WHY a C client pinned to its own core: the load generator must not be the
 * bottleneck, nor steal the server's core. When `taskset` fails (or there is
 * one CPU), everything runs unpinned and the report says so.
 *
 * Environment: BENCH_RUNS (3 here unless set), BENCH_TCP_SECONDS (5),
 * BENCH_TCP_WARMUP (1), BENCH_TCP_IDLE (2000), CC (cc).
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

/** A server system of the benchmark. */
export interface EchoSystem {
  id: string;
  label: string;
  /** Target of its requests/s as a ratio of node:net's (both sizes). */
  target?: number;
  /**
   * Targets of its requests per server CPU second as a ratio of node:net's,
   * by message size, where they differ from `target` (a CPU per request of
   * 0.65x node:net's is a ratio of 1 / 0.65 = 1.54 here).
   */
  cpuTargets?: Partial<Record<number, number>>;
  /** Measured for memory per idle connection too; with the target of its ratio to node:net's. */
  memoryTarget?: number;
  memory?: boolean;
}

/** The systems, in the order they run and print; `node-net` is the reference. */
export const ECHO_SYSTEMS: EchoSystem[] = [
  { id: 'node-net', label: 'node:net, data -> write [node]', memory: true },
  { id: 'loop-protocol', label: 'ProactorEventLoop + Protocol', target: 0.95, memory: true, memoryTarget: 1.2 },
  { id: 'loop-buffered', label: 'ProactorEventLoop + BufferedProtocol', target: 1.0 },
  { id: 'loop-streams', label: 'ProactorEventLoop + streams', target: 0.8 },
  // uvloop's server CPU per 1 KiB request is 0.65x node:net's, the C epoll server's 0.59x (1 KiB and 64 KiB).
  { id: 'selector-protocol', label: 'SelectorEventLoop + Protocol', cpuTargets: { 1024: 1 / 0.65 }, memory: true, memoryTarget: 1.0 },
  { id: 'selector-buffered', label: 'SelectorEventLoop + BufferedProtocol', cpuTargets: { 1024: 1 / 0.6, 65536: 1 / 0.6 } },
  { id: 'selector-streams', label: 'SelectorEventLoop + streams', cpuTargets: { 1024: 1 / 0.9 } },
];

const REFERENCE = 'node-net';
const SIZES = [1024, 65536];
const CONNS = 10;

function numberFromEnv(name: string, dflt: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return dflt;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min) throw new RangeError(`${name} must be a number >= ${min}, got ${raw}`);
  return n;
}

/** One ping-pong measurement, as the client prints it plus the server's CPU. */
export interface PingPong {
  requests: number;
  seconds: number;
  rps: number;
  mibps: number;
  p50_us: number;
  p99_us: number;
  size: number;
  conns: number;
  /** The client's CPU over the window / the window (1 = one core busy). */
  client_cpu: number;
  /** The server's CPU (user + system) over the window / the requests. */
  cpuUsPerRequest: number;
}

/** One idle-connection memory measurement, bytes per connection. */
export interface IdleMemory {
  rssPerConnection: number;
  heapPerConnection: number;
}

/** The figures of one system at one size (or memory): medians, or why there are none. */
export interface SystemFigures<T> {
  system: string;
  label: string;
  samples: T[];
  median: T | null;
  /** Set when the system could not run: "not available: ..." or "failed: ...". */
  problem: string | null;
}

/** Everything the benchmark measured, for results/latest.json. */
export interface TcpEchoResult {
  pinned: boolean;
  pinning: string;
  runs: number;
  seconds: number;
  warmup: number;
  idleConnections: number;
  pingpong: { size: number; systems: SystemFigures<PingPong>[] }[];
  memory: SystemFigures<IdleMemory>[];
  ratios: { label: string; value: number; target: string | null; met: boolean | null }[];
  /** `os.loadavg()` (1, 5, 15 min) before and after the benchmark. */
  loadAverage?: { before: string; after: string };
}

// ------------------------------------------------------------------ processes

/** A child process read line by line, with waits for a line of a given prefix. */
class LineProcess {
  readonly child: ChildProcessWithoutNullStreams;
  readonly #lines: string[] = [];
  #waiter: (() => void) | null = null;
  #partial = '';
  #stderr = '';
  #exited: number | null = null;
  readonly exitedPromise: Promise<number>;

  constructor(argv: string[]) {
    this.child = spawn(argv[0], argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout.setEncoding('utf8');
    this.child.stdout.on('data', (chunk: string) => {
      const parts = (this.#partial + chunk).split('\n');
      this.#partial = parts.pop() ?? '';
      this.#lines.push(...parts);
      this.#wake();
    });
    this.child.stderr.setEncoding('utf8');
    this.child.stderr.on('data', (chunk: string) => {
      this.#stderr += chunk;
    });
    this.exitedPromise = new Promise((resolve) => {
      this.child.on('close', (code, signal) => {
        this.#exited = code ?? (signal !== null ? 128 : 1);
        this.#wake();
        resolve(this.#exited);
      });
    });
    this.child.on('error', (e) => {
      this.#stderr += `${e.message}\n`;
    });
  }

  #wake(): void {
    const w = this.#waiter;
    this.#waiter = null;
    w?.();
  }

  /** The next line that starts with one of `prefixes` (lines before it are dropped). */
  async next(prefixes: string[], seconds = 60): Promise<string> {
    const deadline = Date.now() + seconds * 1000;
    for (;;) {
      while (this.#lines.length > 0) {
        const line = this.#lines.shift()!;
        if (prefixes.some((p) => line.startsWith(p))) return line;
      }
      if (this.#exited !== null) {
        throw new Error(`${this.child.spawnargs.join(' ')} exited (${this.#exited}) before printing ${prefixes.join('|')}: ${this.#stderr.trim()}`);
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${this.child.spawnargs.join(' ')}: no ${prefixes.join('|')} line after ${seconds} s`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  /** Sends a command line and returns the reply line that starts with the command. */
  async ask(cmd: string): Promise<string> {
    this.child.stdin.write(`${cmd}\n`);
    const line = await this.next([`${cmd} `, 'error '], 30);
    if (line.startsWith('error ')) throw new Error(line);
    return line.slice(cmd.length + 1);
  }

  /** Ends the process (closing its stdin first) and waits for it. */
  async stop(): Promise<void> {
    if (this.#exited === null && this.child.stdin.writable) this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await this.exitedPromise;
    clearTimeout(timer);
  }
}

// ------------------------------------------------------------------ setup

const BUILD_DIR = fileURLToPath(new URL('../build/', import.meta.url));
const CLIENT_SOURCE = fileURLToPath(new URL('../c/echo-client.c', import.meta.url));
const CLIENT_BINARY = `${BUILD_DIR}echo-client`;
const SERVER_SCRIPT = fileURLToPath(new URL('./tcp-echo-server.js', import.meta.url));

/** Compiles the C client from source with the machine's compiler. */
function buildClient(): void {
  mkdirSync(BUILD_DIR, { recursive: true });
  const cc = process.env.CC ?? 'cc';
  const r = spawnSync(cc, ['-O2', '-Wall', '-o', CLIENT_BINARY, CLIENT_SOURCE], { encoding: 'utf8' });
  if (r.error !== undefined || r.status !== 0) {
    throw new Error(`building the C load generator failed (${cc} -O2 ${CLIENT_SOURCE}): ${r.error?.message ?? r.stderr}`);
  }
}

/** `['taskset', '-c', cpu]` when pinning works here, else `[]`, with the reason. */
function pinning(): { client: string[]; server: string[]; pinned: boolean; note: string } {
  const none = (note: string): { client: string[]; server: string[]; pinned: boolean; note: string } => ({ client: [], server: [], pinned: false, note });
  if (os.cpus().length < 2) return none(`unpinned: ${os.cpus().length} CPU`);
  const r = spawnSync('taskset', ['-c', '1', 'true'], { encoding: 'utf8' });
  if (r.error !== undefined || r.status !== 0) return none(`unpinned: taskset failed (${r.error?.message ?? r.stderr.trim()})`);
  return { client: ['taskset', '-c', '0'], server: ['taskset', '-c', '1'], pinned: true, note: 'client pinned to CPU 0, server to CPU 1 (taskset)' };
}

type Started = { ok: true; server: LineProcess; port: string } | { ok: false; problem: string };

async function startServer(pin: string[], system: string): Promise<Started> {
  const server = new LineProcess([...pin, process.execPath, '--expose-gc', SERVER_SCRIPT, system]);
  try {
    const line = await server.next(['ready ', 'unavailable '], 30);
    if (line.startsWith('unavailable ')) {
      await server.stop();
      return { ok: false, problem: `not available: ${line.slice('unavailable '.length)}` };
    }
    return { ok: true, server, port: line.slice('ready '.length) };
  } catch (e) {
    await server.stop();
    return { ok: false, problem: `failed: ${e instanceof Error ? e.message : String(e)}` };
  }
}

async function pingPongRun(pins: ReturnType<typeof pinning>, system: string, size: number, warmup: number, seconds: number): Promise<PingPong | string> {
  const s = await startServer(pins.server, system);
  if (!s.ok) return s.problem;
  const client = new LineProcess([...pins.client, CLIENT_BINARY, 'pingpong', '127.0.0.1', s.port, String(CONNS), String(size), String(warmup), String(seconds)]);
  try {
    await client.next(['measure-start'], warmup + 30);
    const cpu0 = Number(await s.server.ask('cpu'));
    await client.next(['measure-end'], seconds + 30);
    const cpu1 = Number(await s.server.ask('cpu'));
    const result = JSON.parse(await client.next(['{'], 30)) as Omit<PingPong, 'cpuUsPerRequest'>;
    if (!(result.requests > 0)) throw new Error(`no request completed in the measured window`);
    return { ...result, cpuUsPerRequest: (cpu1 - cpu0) / result.requests };
  } catch (e) {
    return `failed: ${e instanceof Error ? e.message : String(e)}`;
  } finally {
    await client.stop();
    await s.server.stop();
  }
}

interface MemoryUsage {
  rss: number;
  heapUsed: number;
  external: number;
}

async function idleMemoryRun(pins: ReturnType<typeof pinning>, system: string, n: number): Promise<IdleMemory | string> {
  const s = await startServer(pins.server, system);
  if (!s.ok) return s.problem;
  let client: LineProcess | null = null;
  try {
    const m0 = JSON.parse(await s.server.ask('mem')) as MemoryUsage;
    client = new LineProcess([...pins.client, CLIENT_BINARY, 'idle', '127.0.0.1', s.port, String(n)]);
    await client.next(['connected '], 60);
    const deadline = Date.now() + 30_000;
    let open = 0;
    while ((open = Number(await s.server.ask('conns'))) < n) {
      if (Date.now() > deadline) throw new Error(`the server counts ${open} of ${n} connections after 30 s`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const m1 = JSON.parse(await s.server.ask('mem')) as MemoryUsage;
    return {
      rssPerConnection: (m1.rss - m0.rss) / n,
      heapPerConnection: (m1.heapUsed + m1.external - (m0.heapUsed + m0.external)) / n,
    };
  } catch (e) {
    return `failed: ${e instanceof Error ? e.message : String(e)}`;
  } finally {
    await client?.stop();
    await s.server.stop();
  }
}

// ------------------------------------------------------------------ figures

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** The median of each numeric field over the samples. */
function medianOf<T extends object>(samples: T[]): T | null {
  if (samples.length === 0) return null;
  const out: Record<string, number> = {};
  for (const key of Object.keys(samples[0])) {
    out[key] = median(samples.map((s) => (s as Record<string, number>)[key]));
  }
  return out as T;
}

function fmtRate(x: number): string {
  return x >= 1e6 ? `${(x / 1e6).toFixed(2)} M` : x >= 1e4 ? `${(x / 1e3).toFixed(1)} k` : x.toFixed(0);
}

function pad(s: string, n: number, right = false): string {
  return right ? s.padStart(n) : s.padEnd(n);
}

function sizeLabel(size: number): string {
  return size >= 1024 ? `${size / 1024} KiB` : `${size} B`;
}

function judge(value: number, target: number | undefined, op: '>=' | '<='): { target: string | null; met: boolean | null; status: string } {
  if (target === undefined) return { target: null, met: null, status: '' };
  const met = op === '>=' ? value >= target : value <= target;
  return { target: `${op} ${target.toFixed(2)}x`, met, status: `${op} ${target.toFixed(2)}x ${met ? 'met' : 'MISSED'}` };
}

/** Runs the benchmark, prints its tables, returns its figures. */
export async function runTcpEcho(): Promise<TcpEchoResult> {
  const runs = numberFromEnv('BENCH_RUNS', 3, 1);
  const seconds = numberFromEnv('BENCH_TCP_SECONDS', 5, 0.1);
  const warmup = numberFromEnv('BENCH_TCP_WARMUP', 1, 0);
  const idleN = numberFromEnv('BENCH_TCP_IDLE', 2000, 1);
  buildClient();
  const pins = pinning();
  const load = (): string => os.loadavg().map((x) => x.toFixed(2)).join(' ');
  const loadBefore = load();
  console.log(`\ntcp echo: ${CONNS} connections, ping-pong, ${seconds} s measured after ${warmup} s warm-up, median of ${runs} runs; ${pins.note}`);
  console.log(`load average before: ${loadBefore} (other work on the machine skews every figure; compare ratios within one run)`);

  const samples = new Map<string, PingPong[]>();
  const problems = new Map<string, string>();
  const key = (system: string, size: number): string => `${system}@${size}`;
  for (let run = 1; run <= runs; run++) {
    for (const size of SIZES) {
      // Each run starts with a different system, so none always runs first or last.
      const order = ECHO_SYSTEMS.map((_, i) => ECHO_SYSTEMS[(i + run - 1) % ECHO_SYSTEMS.length]);
      for (const sys of order) {
        const k = key(sys.id, size);
        if (problems.has(k)) continue;
        const t0 = Date.now();
        const r = await pingPongRun(pins, sys.id, size, warmup, seconds);
        if (typeof r === 'string') {
          problems.set(k, r);
          console.log(`  run ${run} ${pad(sizeLabel(size), 6)} ${pad(sys.id, 14)} ${r}`);
          continue;
        }
        const list = samples.get(k) ?? [];
        list.push(r);
        samples.set(k, list);
        console.log(`  run ${run} ${pad(sizeLabel(size), 6)} ${pad(sys.id, 14)} ${pad(fmtRate(r.rps), 8, true)} req/s  (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
      }
    }
  }

  const memSamples = new Map<string, IdleMemory[]>();
  const memProblems = new Map<string, string>();
  const memSystems = ECHO_SYSTEMS.filter((s) => s.memory === true);
  for (let run = 1; run <= runs; run++) {
    for (const sys of memSystems) {
      if (memProblems.has(sys.id)) continue;
      const r = await idleMemoryRun(pins, sys.id, idleN);
      if (typeof r === 'string') {
        memProblems.set(sys.id, r);
        console.log(`  run ${run} idle   ${pad(sys.id, 14)} ${r}`);
        continue;
      }
      const list = memSamples.get(sys.id) ?? [];
      list.push(r);
      memSamples.set(sys.id, list);
      console.log(`  run ${run} idle   ${pad(sys.id, 14)} ${r.rssPerConnection.toFixed(0)} B RSS, ${r.heapPerConnection.toFixed(0)} B heap per connection`);
    }
  }

  // ---- the tables
  const result: TcpEchoResult = {
    pinned: pins.pinned,
    pinning: pins.note,
    runs,
    seconds,
    warmup,
    idleConnections: idleN,
    pingpong: [],
    memory: [],
    ratios: [],
  };
  const lines: string[] = [''];
  const W = 45;
  lines.push(
    `${pad('size   system', W)} ${pad('req/s', 9, true)} ${pad('MiB/s', 8, true)} ${pad('p50 us', 8, true)} ${pad('p99 us', 8, true)} ${pad('cpu us/req', 10, true)} ${pad('client cpu', 10, true)}  ${pad('req/s vs node', 13, true)} ${pad('req/cpu-s vs node', 17, true)}  target`,
  );
  for (const size of SIZES) {
    const ref = medianOf(samples.get(key(REFERENCE, size)) ?? []);
    const figures: SystemFigures<PingPong>[] = [];
    for (const sys of ECHO_SYSTEMS) {
      const list = samples.get(key(sys.id, size)) ?? [];
      const m = medianOf(list);
      const problem = problems.get(key(sys.id, size)) ?? null;
      figures.push({ system: sys.id, label: sys.label, samples: list, median: m, problem });
      const name = `${pad(sizeLabel(size), 7)}${sys.label}`;
      if (m === null || problem !== null) {
        lines.push(`${pad(name, W)} ${problem ?? 'no figures'}`);
        continue;
      }
      let ratioText = '';
      let cpuText = '';
      let status = '';
      if (ref !== null && sys.id !== REFERENCE) {
        // Requests per second of wall time, and per second of server CPU (the
        // inverse ratio of CPU per request): the server is CPU-bound in
        // ping-pong, so the second is what the first would be if the server
        // had its core to itself.
        const ratio = m.rps / ref.rps;
        const cpuRatio = ref.cpuUsPerRequest / m.cpuUsPerRequest;
        const j = judge(ratio, sys.target, '>=');
        const jc = judge(cpuRatio, sys.cpuTargets?.[size] ?? sys.target, '>=');
        ratioText = `${ratio.toFixed(2)}x`;
        cpuText = `${cpuRatio.toFixed(2)}x`;
        if (j.target !== null) status = `${j.target}: ${j.met === true ? 'met' : 'MISSED'} / ${jc.met === true ? 'met' : 'MISSED'}`;
        else if (jc.target !== null) status = `cpu ${jc.status}`;
        result.ratios.push({ label: `${sys.label} / node:net req/s, ${sizeLabel(size)}`, value: ratio, target: j.target, met: j.met });
        result.ratios.push({ label: `${sys.label} / node:net requests per server CPU second, ${sizeLabel(size)}`, value: cpuRatio, target: jc.target, met: jc.met });
      }
      lines.push(
        `${pad(name, W)} ${pad(fmtRate(m.rps), 9, true)} ${pad(m.mibps.toFixed(1), 8, true)} ${pad(m.p50_us.toFixed(0), 8, true)} ${pad(m.p99_us.toFixed(0), 8, true)} ${pad(m.cpuUsPerRequest.toFixed(1), 10, true)} ${pad(`${(m.client_cpu * 100).toFixed(0)}%`, 10, true)}  ${pad(ratioText, 13, true)} ${pad(cpuText, 17, true)}  ${status}`.trimEnd(),
      );
    }
    result.pingpong.push({ size, systems: figures });
  }

  lines.push('');
  lines.push(`memory per idle connection (${idleN} connections)   ${pad('RSS B', 9, true)} ${pad('heap+ext B', 11, true)}  ${pad('RSS vs node', 11, true)} ${pad('heap vs node', 12, true)}  target`);
  const refMem = medianOf(memSamples.get(REFERENCE) ?? []);
  for (const sys of memSystems) {
    const list = memSamples.get(sys.id) ?? [];
    const m = medianOf(list);
    const problem = memProblems.get(sys.id) ?? null;
    result.memory.push({ system: sys.id, label: sys.label, samples: list, median: m, problem });
    const name = `  ${sys.label}`;
    if (m === null || problem !== null) {
      lines.push(`${pad(name, 46)} ${problem ?? 'no figures'}`);
      continue;
    }
    let rssText = '';
    let heapText = '';
    let status = '';
    if (refMem !== null && sys.id !== REFERENCE) {
      const rssRatio = m.rssPerConnection / refMem.rssPerConnection;
      const heapRatio = m.heapPerConnection / refMem.heapPerConnection;
      rssText = `${rssRatio.toFixed(2)}x`;
      heapText = `${heapRatio.toFixed(2)}x`;
      const jr = judge(rssRatio, sys.memoryTarget, '<=');
      const jh = judge(heapRatio, sys.memoryTarget, '<=');
      status = jr.target === null ? '' : `RSS ${jr.status}; heap ${jh.status}`;
      result.ratios.push({ label: `${sys.label} / node:net RSS per idle connection`, value: rssRatio, target: jr.target, met: jr.met });
      result.ratios.push({ label: `${sys.label} / node:net heap+external per idle connection`, value: heapRatio, target: jh.target, met: jh.met });
    }
    lines.push(`${pad(name, 46)} ${pad(m.rssPerConnection.toFixed(0), 9, true)} ${pad(m.heapPerConnection.toFixed(0), 11, true)}  ${pad(rssText, 11, true)} ${pad(heapText, 12, true)}  ${status}`.trimEnd());
  }
  lines.push('');
  lines.push(`load average before: ${loadBefore}, after: ${load()}`);
  result.loadAverage = { before: loadBefore, after: load() };
  console.log(lines.join('\n'));
  return result;
}
