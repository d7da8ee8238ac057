import { constants } from 'node:os';
import { connect } from 'node:net';
import { runInNewContext } from 'node:vm';
import { CancelledError, RuntimeError, isOsError, loopError, systemError } from '../src/index.js';

describe('isOsError', () => {
  it('isOsError() - true for a real Node system error (code, errno, syscall)', async () => {
    const err = await new Promise<Error>((resolve) => {
      // Port 1 on loopback: nothing listens there.
      const sock = connect({ host: '127.0.0.1', port: 1 });
      sock.on('error', resolve);
    });
    expect(err).toMatchObject({ code: 'ECONNREFUSED', syscall: 'connect' });
    expect(isOsError(err)).toBe(true);
  });

  it('isOsError() - true for an error with only a numeric or null errno, or only a syscall', () => {
    expect(isOsError(Object.assign(new Error('x'), { errno: -104 }))).toBe(true);
    expect(isOsError(Object.assign(new Error('x'), { errno: null }))).toBe(true);
    expect(isOsError(Object.assign(new Error('x'), { syscall: 'bind' }))).toBe(true);
  });

  it('isOsError() - true for a system error of another realm (no instanceof)', () => {
    const err = runInNewContext('Object.assign(new Error("x"), { code: "ECONNRESET", errno: -104 })') as unknown;
    expect(err instanceof Error).toBe(false);
    expect(isOsError(err)).toBe(true);
  });

  it('isOsError() - false for @loop coded errors, Node argument errors, CancelledError, plain errors and non-objects', () => {
    let nodeArgError: unknown;
    try {
      connect({ host: '127.0.0.1', port: 70000 });
    } catch (err) {
      nodeArgError = err;
    }
    expect(nodeArgError).toMatchObject({ code: 'ERR_SOCKET_BAD_PORT' });
    for (const value of [
      nodeArgError,
      loopError(TypeError, 'ERR_LOOP_INVALID_ARG', 'x'),
      new RuntimeError('Event loop is closed', { code: 'ERR_LOOP_CLOSED' }),
      new CancelledError(),
      new Error('plain'),
      Object.assign(new Error('coded'), { code: 'EWHATEVER' }),
      null,
      undefined,
      'ECONNRESET',
      42,
    ]) {
      expect(isOsError(value)).toBe(false);
    }
  });

  it('isOsError() - never throws: a revoked Proxy or a throwing getter is not a system error', () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    expect(isOsError(proxy)).toBe(false);
    const evil = Object.defineProperty({}, 'errno', {
      get() {
        throw new Error('no');
      },
    });
    expect(isOsError(evil)).toBe(false);
  });
});

describe('systemError', () => {
  it('systemError() - an Error with message, code, errno and syscall, which isOsError recognises', () => {
    const err = systemError('ECONNRESET', 'Connection lost', { errno: -constants.errno.ECONNRESET, syscall: 'read' });
    expect(err).toBeInstanceOf(Error);
    expect(err).toMatchObject({ message: 'Connection lost', code: 'ECONNRESET', errno: -constants.errno.ECONNRESET, syscall: 'read' });
    expect(isOsError(err)).toBe(true);
  });

  it('systemError() - without errno it is null (Python\'s OSError(msg)); a null code is left out; cause is kept', () => {
    const cause = new Error('under');
    const err = systemError(null, 'no matching local address with family=2 found', { cause });
    expect(err.errno).toBeNull();
    expect('code' in err).toBe(false);
    expect('syscall' in err).toBe(false);
    expect(err.cause).toBe(cause);
    expect(isOsError(err)).toBe(true);
  });
});
