import { TimerHeap } from '../src/timer-heap.js';
import type { HeapTimer } from '../src/timer-heap.js';

let seq = 0;
const timer = (when: number): HeapTimer & { id: number } => ({ _when: when, _seq: seq++, _cancelled: false, id: seq });

function drain(h: TimerHeap<HeapTimer & { id: number }>): number[] {
  const out: number[] = [];
  for (let t = h.pop(); t !== undefined; t = h.pop()) out.push(t.id);
  return out;
}

describe('TimerHeap', () => {
  it('pop() - returns timers by when', () => {
    const h = new TimerHeap<HeapTimer & { id: number }>();
    const ts = [5, 1, 4, 2, 3].map(timer);
    ts.forEach((t) => h.push(t));
    expect(drain(h).map((id) => ts.find((t) => t.id === id)!._when)).toEqual([1, 2, 3, 4, 5]);
  });

  it('pop() - breaks equal when by insertion order (FIFO)', () => {
    const h = new TimerHeap<HeapTimer & { id: number }>();
    const ts = Array.from({ length: 50 }, () => timer(1));
    h.push(timer(0.5));
    ts.forEach((t) => h.push(t));
    h.pop();
    expect(drain(h)).toEqual(ts.map((t) => t.id));
  });

  it('pop() - orders a large random set like a stable sort', () => {
    const h = new TimerHeap<HeapTimer & { id: number }>();
    let x = 12345;
    const rnd = (): number => ((x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const ts = Array.from({ length: 2000 }, () => timer(Math.floor(rnd() * 50)));
    ts.forEach((t) => h.push(t));
    const expected = [...ts].sort((a, b) => a._when - b._when || a._seq - b._seq).map((t) => t.id);
    expect(drain(h)).toEqual(expected);
  });

  it('compact() - drops cancelled timers and keeps the order of the rest', () => {
    const h = new TimerHeap<HeapTimer & { id: number }>();
    const ts = Array.from({ length: 300 }, (_, i) => timer(300 - i));
    ts.forEach((t) => h.push(t));
    ts.forEach((t, i) => (t._cancelled = i % 3 !== 0));
    h.compact();
    expect(h.length).toBe(100);
    const expected = ts.filter((t) => !t._cancelled).sort((a, b) => a._when - b._when).map((t) => t.id);
    expect(drain(h)).toEqual(expected);
  });

  it('compact() - a random heap with random cancellations: the rest pop in (when, seq) order, each dropped timer reported once', () => {
    let x = 777;
    const rnd = (): number => ((x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let round = 0; round < 20; round++) {
      const h = new TimerHeap<HeapTimer & { id: number }>();
      const ts = Array.from({ length: 1 + Math.floor(rnd() * 500) }, () => timer(Math.floor(rnd() * 40)));
      ts.forEach((t) => h.push(t));
      // Pop a few first, so the heap is not in insertion layout.
      const popped = new Set<number>();
      for (let k = Math.floor(rnd() * 10); k > 0 && h.length > 0; k--) popped.add(h.pop()!.id);
      const left = ts.filter((t) => !popped.has(t.id));
      left.forEach((t) => (t._cancelled = rnd() < 0.6));
      const dropped: number[] = [];
      h.compact((t) => dropped.push(t.id));
      const live = left.filter((t) => !t._cancelled);
      expect(h.length).toBe(live.length);
      expect(dropped.sort((a, b) => a - b)).toEqual(left.filter((t) => t._cancelled).map((t) => t.id).sort((a, b) => a - b));
      expect(drain(h)).toEqual([...live].sort((a, b) => a._when - b._when || a._seq - b._seq).map((t) => t.id));
    }
  });
});
