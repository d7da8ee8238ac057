#!/usr/bin/env node
// The fd stress test of the native code, meant to run under a memory checker:
// `npm run test:native` runs it under valgrind memcheck (a definite leak or
// any memory error fails it). Each round makes and closes a socketpair, a TCP
// listener with a non-blocking connect and an accept, an abstract Unix
// socket, a Unix bind with a too-long path, an IPv6 datagram socket and a
// pipe; every socket is closed twice and used after close. The process fails
// unless every expected error came and the fd count is back where it began.
// Usage: node scripts/native-stress.cjs [rounds=200]; it needs the build.
const s = require('../dist/cjs/index.js');
const fs = require('fs');
const fds0 = fs.readdirSync('/proc/self/fd').length;
const N = +(process.argv[2] || 200);
const buf = Buffer.alloc(4096); const view = new Uint8Array(buf.buffer, 10, 100);
let errs = 0;
for (let i = 0; i < N; i++) {
  const [a, b] = s.socketpair();
  a.trySend(Buffer.from('hello')); b.tryRecvInto(view); b.tryRecvInto(buf);
  try { b.recv(10); } catch (e) { if (e.code !== 'EAGAIN') throw e; errs++; }
  const l = s.socket(s.AF_INET, s.SOCK_STREAM); l.bind(['127.0.0.1', 0]); l.listen(8);
  const c = s.socket(s.AF_INET, s.SOCK_STREAM); const rc = c.connectEx(l.getsockname());
  if (rc !== 0 && rc !== 115) throw new Error('connectEx ' + rc);
  let acc; for (let k = 0; k < 1000 && !acc; k++) { try { acc = l.accept(); } catch (e) { if (e.code !== 'EAGAIN') throw e; } }
  acc[0].send(Buffer.from('x')); c.getpeername(); acc[0].getpeername();
  const u = s.socket(s.AF_UNIX, s.SOCK_STREAM); u.bind('\0loop-stress-' + process.pid + '-' + i); u.getsockname();
  const lp = s.socket(s.AF_UNIX, s.SOCK_STREAM); try { lp.bind('/tmp/' + 'x'.repeat(200)); } catch (e) { errs++; } lp.close();
  const six = s.socket(s.AF_INET6, s.SOCK_DGRAM); six.bind(['::1', 0]); six.getsockname();
  for (const x of [a, b, l, c, acc[0], u, six]) { x.close(); x.close(); }
  try { a.recv(1); } catch (e) { if (e.code !== 'EBADF') throw e; }
  const [r, w] = s.pipe(); fs.closeSync(r); fs.closeSync(w);
}
const fds1 = fs.readdirSync('/proc/self/fd').length;
console.log(JSON.stringify({ rounds: N, expectedErrors: errs, fdsBefore: fds0, fdsAfter: fds1 }));
if (errs !== 2 * N || fds1 !== fds0) {
  console.error(`native-stress: expected ${2 * N} errors and ${fds0} fds, got ${errs} errors and ${fds1} fds`);
  process.exit(1);
}
