#!/usr/bin/env node
// The fd stress test of the native code, meant to run under a memory checker:
// `npm run test:native` runs it under valgrind memcheck (a definite leak or
// any memory error fails it). Each round makes and closes a socketpair, a TCP
// listener with a non-blocking connect and an accept, an abstract Unix
// socket, a Unix bind with a too-long path, an IPv6 datagram socket and a
// pipe, a dup() of the listener (and dup() after close: EBADF); UDP and Unix datagrams (sendto, recvfrom, recvfromInto, tryRecvfrom,
// trySendto, an unbound sender's null address), fromFd of a socket and of a
// pipe, sendfile from a file (and from a pipe: ESPIPE), and options by name
// and as bytes (SO_LINGER); every socket is closed twice and used after
// close. The process fails unless every expected error came and the fd count
// is back where it began.
// Usage: node scripts/native-stress.cjs [rounds=200]; it needs the build.
const s = require('../dist/cjs/index.js');
const fs = require('fs');
const os = require('os');
const path = require('path');
const fds0 = fs.readdirSync('/proc/self/fd').length;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loop-stress-'));
fs.writeFileSync(path.join(dir, 'f'), Buffer.alloc(10000, 'f'));
const file = fs.openSync(path.join(dir, 'f'), 'r');
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
  const ld = l.dup(); if (ld.getsockname()[1] !== l.getsockname()[1]) throw new Error('dup: another socket');
  for (const x of [a, b, l, c, acc[0], u, six, ld]) { x.close(); x.close(); }
  try { ld.dup(); } catch (e) { if (e.code !== 'EBADF') throw e; errs++; }
  try { a.recv(1); } catch (e) { if (e.code !== 'EBADF') throw e; }
  const [r, w] = s.pipe();
  // datagrams
  const d1 = s.socket(s.AF_INET, s.SOCK_DGRAM); d1.bind(['127.0.0.1', 0]);
  const d2 = s.socket(s.AF_INET, s.SOCK_DGRAM); d2.bind(['127.0.0.1', 0]);
  try { d2.recvfrom(10); } catch (e) { if (e.code !== 'EAGAIN') throw e; errs++; }
  if (d2.tryRecvfrom(10) !== null) throw new Error('tryRecvfrom on an empty socket');
  d1.sendto(Buffer.from('dgram'), d2.getsockname()); d1.trySendto(Buffer.from('two'), d2.getsockname());
  d1.sendto(Buffer.from('three'), d2.getsockname());
  let got; for (let k = 0; k < 1000 && !got; k++) got = d2.tryRecvfrom(3);
  got = null; for (let k = 0; k < 1000 && !got; k++) { try { got = d2.recvfromInto(view, 2); } catch (e) { if (e.code !== 'EAGAIN') throw e; } }
  got = null; for (let k = 0; k < 1000 && !got; k++) { try { got = d2.recvfrom(100); } catch (e) { if (e.code !== 'EAGAIN') throw e; } }
  const ur = s.socket(s.AF_UNIX, s.SOCK_DGRAM); ur.bind('\0loop-stress-d-' + process.pid + '-' + i);
  const us = s.socket(s.AF_UNIX, s.SOCK_DGRAM); us.sendto(Buffer.from('u'), '\0loop-stress-d-' + process.pid + '-' + i);
  if (ur.recvfrom(10)[1] !== null) throw new Error('an unbound sender has an address');
  // fromFd
  const adopted = s.fromFd(us.detach()); adopted.getblocking();
  try { s.fromFd(r); } catch (e) { if (e.code !== 'ENOTSOCK') throw e; errs++; }
  // sendfile
  const [sa, sb] = s.socketpair();
  if (s.sendfile(sa, file, i % 100, 100) !== 100) throw new Error('sendfile');
  sb.tryRecvInto(buf);
  try { s.sendfile(sa, r, 0, 10); } catch (e) { if (e.code !== 'ESPIPE') throw e; errs++; }
  if (s.sendfile(sa.fileno(), file, 10000, 10) !== 0) throw new Error('sendfile at EOF');
  // options
  const o = s.socket(s.AF_INET, s.SOCK_STREAM);
  o.setsockopt('SOL_SOCKET', 'SO_LINGER', [1, 0]); o.getsockopt(s.SOL_SOCKET, s.SO_LINGER, 8);
  o.setsockopt(s.SOL_SOCKET, s.SO_LINGER, Buffer.from(new Int32Array([0, 0]).buffer));
  o.setsockopt('IPPROTO_TCP', 'TCP_NODELAY', true); o.getsockopt('SOL_SOCKET', 'SO_TYPE'); o.getsockopt(s.SOL_SOCKET, s.SO_TYPE, 1024);
  try { o.getsockopt(9999, s.SO_ERROR); } catch (e) { if (!e.code || !e.syscall) throw e; errs++; }
  for (const x of [d1, d2, ur, us, adopted, sa, sb, o]) { x.close(); x.close(); }
  try { d1.sendto(Buffer.from('x'), ['127.0.0.1', 9]); } catch (e) { if (e.code !== 'EBADF') throw e; }
  fs.closeSync(r); fs.closeSync(w);
}
fs.closeSync(file);
fs.rmSync(dir, { recursive: true, force: true });
const fds1 = fs.readdirSync('/proc/self/fd').length;
console.log(JSON.stringify({ rounds: N, expectedErrors: errs, fdsBefore: fds0, fdsAfter: fds1 }));
const PER_ROUND = 7;
if (errs !== PER_ROUND * N || fds1 !== fds0) {
  console.error(`native-stress: expected ${PER_ROUND * N} errors and ${fds0} fds, got ${errs} errors and ${fds1} fds`);
  process.exit(1);
}
