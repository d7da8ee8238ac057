/**
 * The readiness activity counter: how many calls of this thread may have
 * made a descriptor ready (a send, a connect, a shutdown, a close that ends a
 * peer's stream). A readiness loop (`@loop/selector`) that finds it unchanged,
 * and was not woken by Node, can skip a `select(0)` that could only report
 * what the previous one did: on this machine a system call costs about 2 µs,
 * the price of a hundred loop iterations (ADR 0005).
 *
 * Code that changes readiness by other means (writing a pipe with `fs`, a
 * Node socket in the same thread) calls {@link noteActivity}.
 *
 * @packageDocumentation
 */

/** The counter; read `readinessActivity.count` and compare. It only grows (wrapping is harmless: only equality is tested). */
export const readinessActivity: { count: number } = { count: 0 };

/** Records that a descriptor's readiness may have changed in this thread. */
export function noteActivity(): void {
  readinessActivity.count = (readinessActivity.count + 1) | 0;
}
