// Leak reports run in a child process with --expose-gc, so that a real
// garbage collection finalizes the dropped sockets. The child loads the
// build (dist/cjs), as a user would: `npm test` runs after `npm run build`.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { getLeakWarnings, setLeakWarnings } from '../src/index';
import { thrown } from './helpers';

const DIST = join(__dirname, '..', 'dist', 'cjs', 'index.js');

const CHILD = `
  const s = require(${JSON.stringify(DIST)});
  const fs = require('node:fs');
  const warnings = [];
  process.on('warning', (w) => warnings.push({ name: w.name, message: w.message }));
  if (process.env.LEAK_SET === 'on') s.setLeakWarnings(true);
  const leaked = (() => s.socket(s.AF_INET, s.SOCK_STREAM).fileno())();
  (() => { const x = s.socket(s.AF_UNIX, s.SOCK_DGRAM); x.close(); })();
  const detached = (() => s.socket(s.AF_INET6, s.SOCK_DGRAM).detach())();
  const adopted = (() => { const [a, b] = s.socketpair(); a.close(); return s.fromFd(b.detach()).fileno(); })();
  if (process.env.LEAK_SET === 'off') s.setLeakWarnings(false);
  (async () => {
    for (let i = 0; i < 10; i++) {
      globalThis.gc();
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const open = [leaked, detached, adopted].map((fd) => fs.existsSync('/proc/self/fd/' + fd));
    console.log(JSON.stringify({ warnings, leaked, adopted, open, enabled: s.getLeakWarnings() }));
  })();
`;

interface ChildReport {
  warnings: { name: string; message: string }[];
  leaked: number;
  adopted: number;
  open: boolean[];
  enabled: boolean;
}

function runChild(env: Record<string, string>): ChildReport {
  const base = { ...process.env };
  delete base.LOOP_DEBUG;
  const out = execFileSync(process.execPath, ['--expose-gc', '-e', CHILD], { env: { ...base, ...env }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return JSON.parse(out) as ChildReport;
}

describe('leak warnings (ResourceWarning)', () => {
  it('LOOP_DEBUG=1 - a collected open socket is reported once each, closed and detached ones are not, and no descriptor is closed', () => {
    const r = runChild({ LOOP_DEBUG: '1' });
    expect(r.enabled).toBe(true);
    // In the order the collector finalizes them: any.
    expect(r.warnings.every((w) => w.name === 'ResourceWarning')).toBe(true);
    expect(r.warnings.map((w) => w.message).sort()).toEqual(
      [`unclosed <Socket fd=${r.leaked}, family=AF_INET, type=SOCK_STREAM, proto=0>`, `unclosed <Socket fd=${r.adopted}, family=AF_UNIX, type=SOCK_STREAM, proto=0>`].sort(),
    );
    expect(r.open).toEqual([true, true, true]);
  });

  it('LOOP_DEBUG unset - nothing is reported', () => {
    const r = runChild({});
    expect(r.enabled).toBe(false);
    expect(r.warnings).toEqual([]);
    expect(r.open).toEqual([true, true, true]);
  });

  it('LOOP_DEBUG empty - off; setLeakWarnings(true) turns it on for the sockets made after', () => {
    expect(runChild({ LOOP_DEBUG: '' }).warnings).toEqual([]);
    const r = runChild({ LEAK_SET: 'on' });
    expect(r.enabled).toBe(true);
    expect(r.warnings.map((w) => w.message).sort()).toEqual(
      [`unclosed <Socket fd=${r.leaked}, family=AF_INET, type=SOCK_STREAM, proto=0>`, `unclosed <Socket fd=${r.adopted}, family=AF_UNIX, type=SOCK_STREAM, proto=0>`].sort(),
    );
  });

  it('setLeakWarnings(false) - silences sockets already watched', () => {
    const r = runChild({ LOOP_DEBUG: '1', LEAK_SET: 'off' });
    expect(r.enabled).toBe(false);
    expect(r.warnings).toEqual([]);
  });

  it('setLeakWarnings() - wants a boolean; getLeakWarnings() reads it', () => {
    const was = getLeakWarnings();
    try {
      setLeakWarnings(true);
      expect(getLeakWarnings()).toBe(true);
      setLeakWarnings(false);
      expect(getLeakWarnings()).toBe(false);
      expect(thrown(() => setLeakWarnings(1 as never))).toMatchObject({ name: 'TypeError', code: 'ERR_LOOP_INVALID_ARG' });
    } finally {
      setLeakWarnings(was);
    }
  });
});
