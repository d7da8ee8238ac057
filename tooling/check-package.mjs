#!/usr/bin/env node
// Package checks for the package in the current directory: publint (the
// package.json and its files) and @arethetypeswrong/cli (types resolve for
// every module resolution mode). Fails on any error.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const binDir = join(new URL('..', import.meta.url).pathname, 'node_modules', '.bin');
const run = (name, args) => execFileSync(join(binDir, name), args, { stdio: 'inherit' });
run('publint', ['--strict']);
run('attw', ['--pack', '.', '--profile', 'node16']);
