import { RingQueue } from '../src/ready-queue.js';

describe('RingQueue', () => {
  it('shift() - returns items in push order (FIFO)', () => {
    const q = new RingQueue<number>(16);
    for (let i = 0; i < 10; i++) q.push(i);
    const out: number[] = [];
    while (q.length > 0) out.push(q.shift()!);
    expect(out).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('push() - grows past its capacity while wrapped around, keeping order', () => {
    const q = new RingQueue<number>(16);
    for (let i = 0; i < 12; i++) q.push(i);
    for (let i = 0; i < 10; i++) expect(q.shift()).toBe(i);
    for (let i = 12; i < 100; i++) q.push(i);
    expect(q.length).toBe(90);
    for (let i = 10; i < 100; i++) expect(q.shift()).toBe(i);
    expect(q.shift()).toBeUndefined();
    expect(q.length).toBe(0);
  });

  it('at() - peeks by position from the head', () => {
    const q = new RingQueue<string>();
    q.push('a');
    q.push('b');
    expect(q.at(0)).toBe('a');
    expect(q.at(1)).toBe('b');
    expect(q.at(2)).toBeUndefined();
  });

  it('clear() - empties the queue', () => {
    const q = new RingQueue<number>();
    q.push(1);
    q.clear();
    expect(q.length).toBe(0);
    expect(q.shift()).toBeUndefined();
  });
});
