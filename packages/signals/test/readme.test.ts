// The example of README.md, run as written in a child process (against the
// built packages, which turbo builds before the tests), its output compared
// with the output the README shows.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const example = /## Example[\s\S]*?```js\n([\s\S]*?)```/.exec(readme)![1];
const shown = /It prints:\n\n```text\n([\s\S]*?)```/.exec(readme)![1];

it('README example - runs and prints what the README shows', () => {
  const r = spawnSync(process.execPath, ['-e', example], { cwd: root, encoding: 'utf8', timeout: 15000 });
  expect({ status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr }).toEqual({ status: 0, signal: null, stdout: shown, stderr: '' });
});
