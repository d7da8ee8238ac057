// Where the native addon does not load, @loop/socket still imports and says
// why (addonError), and every call that needs the addon throws
// NotImplementedError naming the call. LOOP_SOCKET_NO_ADDON=1 makes this
// process's case real: the built package is imported in a child process with
// the addon left unloaded, as on a platform with no build.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { addonError } from '../src/index';

const pkg = join(__dirname, '..');

function child(script: string, type: 'commonjs' | 'module'): unknown {
  const args = type === 'module' ? ['--input-type=module', '-e', script] : ['-e', script];
  const out = execFileSync(process.execPath, args, { cwd: pkg, env: { ...process.env, LOOP_SOCKET_NO_ADDON: '1' }, encoding: 'utf8' });
  return JSON.parse(out);
}

const probe = (load: string): string => `
${load}
const out = { loadError: s.addonError() && s.addonError().message, calls: [] };
for (const [name, call] of [
  ['socket', () => s.socket(s.AF_INET, s.SOCK_STREAM)],
  ['socketpair', () => s.socketpair()],
  ['pipe', () => s.pipe()],
  ['Epoll', () => new s.Epoll()],
  ['Watcher', () => new s.Watcher(0, () => {})],
]) {
  try { call(); out.calls.push([name, 'returned']); }
  catch (e) { out.calls.push([name, e.name, e.code, e.message]); }
}
process.stdout.write(JSON.stringify(out));
`;

describe('@loop/socket without its native addon', () => {
  it('in this process the addon loaded: addonError() is null', () => {
    expect(addonError()).toBeNull();
  });

  it.each([
    ['CommonJS', 'commonjs', "const s = require('@loop/socket');"],
    ['ES module', 'module', "const s = await import('@loop/socket');"],
  ] as const)('%s: the package imports, addonError() says why, and every call throws NotImplementedError naming it', (_n, type, load) => {
    const out = child(probe(load), type) as { loadError: string; calls: string[][] };
    expect(out.loadError).toBe('LOOP_SOCKET_NO_ADDON=1');
    for (const [name, errName, code, message] of out.calls) {
      expect([name, errName, code]).toEqual([name, 'NotImplementedError', 'ERR_LOOP_NOT_IMPLEMENTED']);
      expect(message).toMatch(/^@loop\/socket: \w+\(\): the native addon is not loaded on this platform \(LOOP_SOCKET_NO_ADDON=1\)$/);
    }
    expect(out.calls.map((c) => c[0])).toEqual(['socket', 'socketpair', 'pipe', 'Epoll', 'Watcher']);
  });
});
