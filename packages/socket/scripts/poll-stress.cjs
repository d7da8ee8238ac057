#!/usr/bin/env node
// The stress test of the readiness primitives (native/poll.c), meant to run
// under a memory checker (`npm run test:native` runs it under valgrind
// memcheck after native-stress.cjs). OPS random operations (10^5 by
// default) on a pool of socketpairs: register / modify / unregister in an
// Epoll, close a registered descriptor and make a new one (the kernel reuses
// the number), Watchers made, started with either event, stopped, closed
// twice, dropped unclosed for the GC, and made twice for one descriptor
// (EEXIST); every few hundred operations the event loop turns once so the
// watchers fire. The process fails unless every expected error came, no
// callback ran for a closed watcher, and the fd count is back where it began.
// Usage: node --expose-gc scripts/poll-stress.cjs [ops=100000]; needs the build.
'use strict';
const s = require('../dist/cjs/index.js');
const fs = require('fs');
const fds0 = fs.readdirSync('/proc/self/fd').length;
const OPS = +(process.argv[2] || 100000);
// mulberry32: a seeded generator whose low bits are as random as its high ones.
let seed = 12345;
const rand = (n) => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) % n;
};
const POOL = 16;
const pairs = Array.from({ length: POOL }, () => s.socketpair());
const ep = new s.Epoll();
const registered = new Map(); // fd -> events
const watchers = new Map(); // slot -> Watcher
const out = new Int32Array(64);
let expected = 0;
let fired = 0;
let closedFired = 0;

function fresh(i) {
  const [a, b] = pairs[i];
  registered.delete(a.fileno());
  const w = watchers.get(i);
  if (w) { w.close(); watchers.delete(i); }
  a.close(); b.close();
  pairs[i] = s.socketpair();
}

async function main() {
  for (let op = 0; op < OPS; op++) {
    const i = rand(POOL);
    const [a, b] = pairs[i];
    const fd = a.fileno();
    switch (rand(9)) {
      case 0: {
        const ev = 1 + rand(3);
        try { ep.register(fd, ev); registered.set(fd, ev); } catch (e) { if (e.code !== 'EEXIST') throw e; expected++; }
        break;
      }
      case 1: {
        const ev = 1 + rand(3);
        try { ep.modify(fd, ev); registered.set(fd, ev); } catch (e) { if (e.code !== 'ENOENT') throw e; expected++; }
        break;
      }
      case 2:
        try { ep.unregister(fd); registered.delete(fd); } catch (e) { if (e.code !== 'ENOENT') throw e; expected++; }
        break;
      case 3:
        // Close a registered descriptor without unregistering it: the kernel drops it.
        fresh(i);
        break;
      case 4: {
        if (watchers.has(i)) {
          try { new s.Watcher(fd, () => {}); throw new Error('second watcher accepted'); } catch (e) { if (e.code !== 'EEXIST') throw e; expected++; }
          break;
        }
        let closed = false;
        let w;
        try {
          w = new s.Watcher(fd, () => { fired++; if (closed) closedFired++; a.tryRecvInto(Buffer.alloc(64)); });
        } catch (e) {
          // A watcher dropped unclosed (case 8) holds the fd until the GC collects it.
          if (e.code !== 'EEXIST') throw e;
          expected++;
          break;
        }
        const close = w.close.bind(w);
        w.close = () => { closed = true; close(); };
        w.start(1 + rand(2));
        watchers.set(i, w);
        break;
      }
      case 5: {
        const w = watchers.get(i);
        if (!w) break;
        const what = rand(3);
        if (what === 0) w.stop();
        else if (what === 1) w.start(1 + rand(2));
        else {
          w.close(); w.close(); watchers.delete(i);
          try { w.start(1); } catch (e) { if (e.code !== 'EBADF') throw e; expected++; }
        }
        break;
      }
      case 6:
        b.trySend(Buffer.from('x'));
        break;
      case 7: {
        const n = ep.wait(out, 0);
        for (let k = 0; k < n; k++) if (!registered.has(out[2 * k])) throw new Error(`epoll reported fd ${out[2 * k]} that is not registered`);
        break;
      }
      case 8: {
        // A stopped watcher dropped without close(): the GC's finalizer releases it.
        const w = watchers.get(i);
        if (w && rand(4) === 0) { w.stop(); watchers.delete(i); }
        break;
      }
    }
    if (op % 50 === 0) {
      await new Promise((r) => setImmediate(r));
      if (global.gc && op % 5000 === 0) global.gc();
    }
  }
  for (const w of watchers.values()) w.close();
  ep.close();
  ep.close();
  for (const [a, b] of pairs) { a.close(); b.close(); }
  await new Promise((r) => setImmediate(r));
  if (global.gc) global.gc();
  await new Promise((r) => setTimeout(r, 50));
  const fds1 = fs.readdirSync('/proc/self/fd').length;
  console.log(`poll-stress: ${OPS} operations, ${expected} expected errors, ${fired} callbacks, fds ${fds0} -> ${fds1}`);
  if (closedFired !== 0) throw new Error(`${closedFired} callbacks ran after close()`);
  if (fds1 !== fds0) throw new Error('descriptors leaked');
  if (expected === 0 || fired === 0) throw new Error('the stress test exercised nothing');
}
main().catch((e) => { console.error(e); process.exit(1); });
