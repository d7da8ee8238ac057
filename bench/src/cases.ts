/**
 * What a benchmark case is, and the helpers the cases share.
 *
 * A case is one measurement — one side of a comparison: the loop, or the Node
 * reference it is compared with. `run()` makes everything it needs (a new
 * loop, its data), measures once and returns the figure; the harness calls it
 * `BENCH_RUNS` times in a process of its own and keeps the median.
 */
import { performance } from 'node:perf_hooks';

/** The unit of a figure, which also says whether higher is better. */
export type Unit = 'ops/s' | 'cpu-s' | 'bytes' | 'ms';

/** One measurement. */
export interface Case {
  /** Stable id, used in results/latest.json and to run the case alone. */
  id: string;
  /** The group it is printed under. */
  group: string;
  /** What it measures, for the table. */
  label: string;
  /** Whether it is a Node reference (printed beside the loop's figures). */
  reference: boolean;
  unit: Unit;
  /** Measures once. */
  run(): Promise<number> | number;
}

/** A ratio the report prints, with its target when it has one. */
export interface Ratio {
  label: string;
  /** Case ids: numerator / denominator. */
  num: string;
  den: string;
  /** `>= target` or `<= target`; no target: printed for context only. */
  target?: { op: '>=' | '<='; value: number };
}

/** A figure with an absolute target. */
export interface AbsoluteTarget {
  label: string;
  id: string;
  op: '>=' | '<=';
  value: number;
  note?: string;
}

/** Runs `body` and returns `count` divided by its wall time in seconds. */
export async function opsPerSecond(count: number, body: () => Promise<void> | void): Promise<number> {
  const t0 = performance.now();
  await body();
  const dt = (performance.now() - t0) / 1000;
  return count / dt;
}

/** Runs `body` and returns the CPU time (user + system) it took, in seconds. */
export async function cpuSeconds(body: () => Promise<void> | void): Promise<number> {
  const c0 = process.cpuUsage();
  await body();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1e6;
}

/** A full collection (twice, so finalizers' garbage goes too); a no-op without --expose-gc. */
export function collect(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc !== undefined) {
    gc();
    gc();
  }
}

/** Throws when a benchmark did not do what it claims (a broken figure is worse than none). */
export function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`benchmark sanity check failed: ${what}`);
}

export function noop(): void {}
