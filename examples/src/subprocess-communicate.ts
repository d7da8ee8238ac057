/**
 * Mirrors python/subprocess-communicate.py: `communicate()` with input, then
 * a conversation with a child through `proc.stdin` (a `StreamWriter`) and
 * `proc.stdout` (a `StreamReader`), stderr merged into stdout with `STDOUT`;
 * on the default loop of `@loop/asyncio` that `run(main)` makes (the
 * `SelectorEventLoop`: the pipes are `@loop/socket`'s and need its addon,
 * and where it loads the default loop is the selector loop).
 */
import { PIPE, STDOUT, createSubprocessExec, run } from '@loop/asyncio';

/** Python's `repr()` of bytes (printable ASCII and `\n` only), `None` for null. */
function bytesRepr(b: Buffer | null): string {
  if (b === null) return 'None';
  return `b'${b.toString('latin1').replaceAll('\\', '\\\\').replaceAll("'", "\\'").replaceAll('\n', '\\n')}'`;
}

async function main(): Promise<void> {
  let proc = await createSubprocessExec('tr', ['a-z', 'A-Z'], { stdin: PIPE, stdout: PIPE });
  const [stdout, stderr] = await proc.communicate(Buffer.from('hello from the parent\n'));
  console.log(`tr printed ${bytesRepr(stdout)}, stderr ${bytesRepr(stderr)}, exit ${String(proc.returncode)}`);

  proc = await createSubprocessExec('sh', ['-c', 'while read line; do echo "got $line"; done; echo bye >&2'], {
    stdin: PIPE,
    stdout: PIPE,
    stderr: STDOUT,
  });
  for (const word of ['one', 'two', 'three']) {
    proc.stdin!.write(Buffer.from(`${word}\n`));
    await proc.stdin!.drain();
    const line = await proc.stdout!.readline();
    console.log('echoed', line.toString().trimEnd());
  }
  proc.stdin!.close();
  console.log('rest', bytesRepr(await proc.stdout!.read()));
  console.log('exit', await proc.wait());
}

await run(main);
