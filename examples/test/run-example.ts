/**
 * Runs one built example (`dist/<name>.js`) in a process of its own, for the
 * tests that compare what it prints with its Python twin's recorded output.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** The examples workspace: `src/`, `dist/`, `python/`, `fixtures/`. */
export const root = join(__dirname, '..');

/** What a run of an example gave: its exit status and everything it wrote. */
export interface ExampleRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `node dist/<name>.js` with `env` added to this process's environment
 * and collects its exit status and output.
 */
export function runExample(name: string, env: Record<string, string> = {}): Promise<ExampleRun> {
  const script = join(root, 'dist', `${name}.js`);
  if (!existsSync(script)) throw new Error(`${script} is missing: build the examples first (npm run build --workspace examples)`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}
