// The README's example, run as written: its TypeScript is stripped of types
// (typescript.transpileModule), written next to the package as an ES module
// and run in a child process against the built packages; its output must be
// what the README shows.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

const root = join(__dirname, '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const example = /^# @loop\/asyncio[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme)![1];
const shown = /It prints:\n\n```text\n([\s\S]*?)```/.exec(readme)![1];

it('README example - runs and prints what the README shows', () => {
  const js = ts.transpileModule(example, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
  const file = join(root, `.readme-example-${process.pid}.mjs`);
  writeFileSync(file, js);
  try {
    const r = spawnSync(process.execPath, [file], { cwd: root, encoding: 'utf8', timeout: 20000 });
    expect({ status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr }).toEqual({ status: 0, signal: null, stdout: shown, stderr: '' });
  } finally {
    rmSync(file, { force: true });
  }
});
