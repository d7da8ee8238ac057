#!/usr/bin/env node
// `npm run test:kit`: the loop-conformance CLI on our loops and on the
// third-party example loop, each report printed; exits non-zero when any
// run fails (a failure or an unexpected pass).
//
//   node scripts/kit.mjs           a representative subset of suites on each built-in loop (CI)
//   node scripts/kit.mjs --full    every suite on every loop (debug off and on)
//   --no-pack                      leave out the packed-kit check (scripts/pack-check.mjs)
//
// The third-party loop (examples/src/third-party-loop) runs its full list
// either way: it claims what it claims and the kit decides what applies.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const repo = join(root, '..', '..');
const full = process.argv.includes('--full');

// One suite per area: loop basics, tasks and helpers, streams, TLS, UDP,
// pipes, subprocesses, signals (and, on the selector, the readiness groups).
const SUBSET = 'base-event-loop,tasks,timeouts,oracle-scheduling,streams,write-errors,tls,datagram,pipes,subprocess,signals';

const targets = [
  // BaseEventLoop runs every suite (the network ones are n/a): about 40 s.
  { file: join(root, 'targets', 'base.mjs'), only: undefined },
  { file: join(root, 'targets', 'proactor.mjs'), only: SUBSET },
  { file: join(root, 'targets', 'selector.mjs'), only: `${SUBSET},fd-watching,sock-methods` },
  { file: join(repo, 'examples', 'src', 'third-party-loop', 'kit-target.mjs'), only: undefined },
];

let failed = false;
for (const target of targets) {
  const name = relative(repo, target.file);
  if (!existsSync(target.file)) {
    console.log(`\n== ${name}: missing (build the examples workspace first)`);
    failed = true;
    continue;
  }
  const args = [join(root, 'bin', 'loop-conformance.mjs'), target.file];
  if (!full && target.only !== undefined) args.push('--only', target.only);
  console.log(`\n== ${name}${!full && target.only !== undefined ? ` (--only ${target.only})` : ''}`);
  const started = Date.now();
  const run = spawnSync(process.execPath, args, { stdio: 'inherit' });
  console.log(`== ${name}: exit ${run.status ?? run.signal}, ${((Date.now() - started) / 1000).toFixed(1)} s`);
  if (run.status !== 0) failed = true;
}

// Last, the kit as published: packed, installed outside the repo, run by npx.
if (!process.argv.includes('--no-pack')) {
  console.log('\n== the packed kit, installed outside the repo (scripts/pack-check.mjs)');
  const pack = spawnSync(process.execPath, [join(root, 'scripts', 'pack-check.mjs')], { stdio: 'inherit' });
  if (pack.status !== 0) failed = true;
}
process.exitCode = failed ? 1 : 0;
