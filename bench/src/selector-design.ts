/**
 * The prototype measurement behind ADR 0005: how should Node's event loop
 * wake a readiness loop? Two designs, on the same socketpairs, in one run:
 *
 *   epoll   the loop owns one epoll descriptor; Node watches that one
 *           descriptor with one libuv poll handle; on a wake, one
 *           epoll_wait(0) returns every ready fd into a typed array;
 *           an interest change is one epoll_ctl(MOD);
 *   per-fd  one libuv poll handle per descriptor; libuv calls JS once per
 *           ready descriptor; an interest change is uv_poll_start with the
 *           new mask (libuv re-arms it in its next poll).
 *
 * A round writes one byte into each of K pairs and waits until the K other
 * ends have read it. "toggle" rounds also switch each descriptor's interest
 * to read+write and back, as a transport does when a write would block.
 * Figures: rounds per second, the median of RUNS alternating runs.
 *
 *   node bench/dist/selector-design.js [K=10] [ROUNDS=20000] [RUNS=5]
 */
import { EVENT_READ, EVENT_WRITE, Epoll, Watcher, socketpair } from '@loop/socket';
import type { Socket } from '@loop/socket';

const K = Number(process.argv[2] ?? 10);
const ROUNDS = Number(process.argv[3] ?? 20000);
const RUNS = Number(process.argv[4] ?? 5);
const ONE = Buffer.from('x');
const scratch = Buffer.alloc(64);

interface Design {
  run(toggle: boolean): Promise<number>;
}

function pairs(): [Socket, Socket][] {
  return Array.from({ length: K }, () => socketpair());
}

function closeAll(ps: [Socket, Socket][]): void {
  for (const [a, b] of ps) {
    a.close();
    b.close();
  }
}

const epollDesign: Design = {
  run(toggle) {
    const ps = pairs();
    const ep = new Epoll();
    const out = new Int32Array(512);
    const byFd = new Map<number, Socket>();
    for (const [a] of ps) {
      ep.register(a.fileno(), EVENT_READ);
      byFd.set(a.fileno(), a);
    }
    return new Promise((resolve) => {
      let left = K;
      let rounds = 0;
      const t0 = process.hrtime.bigint();
      const send = (): void => {
        for (const [, b] of ps) b.trySend(ONE);
      };
      const w = new Watcher(ep.fileno(), () => {
        const n = ep.wait(out, 0);
        for (let i = 0; i < n; i++) {
          const fd = out[2 * i];
          const s = byFd.get(fd) as Socket;
          s.tryRecvInto(scratch);
          if (toggle) {
            ep.modify(fd, EVENT_READ | EVENT_WRITE);
            ep.modify(fd, EVENT_READ);
          }
          left--;
        }
        if (left === 0) {
          left = K;
          if (++rounds === ROUNDS) {
            const dt = Number(process.hrtime.bigint() - t0) / 1e9;
            w.close();
            ep.close();
            closeAll(ps);
            resolve(ROUNDS / dt);
            return;
          }
          send();
        }
      });
      w.start(EVENT_READ);
      send();
    });
  },
};

const perFdDesign: Design = {
  run(toggle) {
    const ps = pairs();
    return new Promise((resolve) => {
      let left = K;
      let rounds = 0;
      const t0 = process.hrtime.bigint();
      const send = (): void => {
        for (const [, b] of ps) b.trySend(ONE);
      };
      const watchers: Watcher[] = [];
      for (const [a] of ps) {
        const w: Watcher = new Watcher(a.fileno(), () => {
          a.tryRecvInto(scratch);
          if (toggle) {
            w.start(EVENT_READ | EVENT_WRITE);
            w.start(EVENT_READ);
          }
          if (--left === 0) {
            left = K;
            if (++rounds === ROUNDS) {
              const dt = Number(process.hrtime.bigint() - t0) / 1e9;
              for (const x of watchers) x.close();
              closeAll(ps);
              resolve(ROUNDS / dt);
              return;
            }
            send();
          }
        });
        w.start(EVENT_READ);
        watchers.push(w);
      }
      send();
    });
  },
};

function median(xs: number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  return s[Math.floor(s.length / 2)];
}

async function main(): Promise<void> {
  for (const toggle of [false, true]) {
    const a: number[] = [];
    const b: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      a.push(await epollDesign.run(toggle));
      b.push(await perFdDesign.run(toggle));
    }
    const ma = median(a);
    const mb = median(b);
    console.log(
      `K=${K} ${toggle ? 'with interest toggles' : 'reads only'}: epoll+1 watcher ${ma.toFixed(0)} rounds/s, ` +
        `per-fd watchers ${mb.toFixed(0)} rounds/s, ratio ${(ma / mb).toFixed(2)}x`,
    );
  }
}

void main();
