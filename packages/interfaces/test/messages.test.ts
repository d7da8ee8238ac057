import { RuntimeError, closedError, describeValue } from '../src/index.js';

describe('describeValue', () => {
  it('describeValue() - an object\'s own toString(), else <Class>', () => {
    expect(describeValue({ toString: () => '<MyTransport fd=3>' })).toBe('<MyTransport fd=3>');
    class Thing {}
    expect(describeValue(new Thing())).toBe('<Thing>');
    expect(describeValue({})).toBe('<Object>');
    expect(describeValue(Object.create(null))).toBe('<object>');
  });

  it('describeValue() - a function by name, a string quoted, other primitives as they are', () => {
    expect(describeValue(function named() {})).toBe('<function named>');
    expect(describeValue('a"b')).toBe('"a\\"b"');
    expect(describeValue(null)).toBe('null');
    expect(describeValue(undefined)).toBe('undefined');
    expect(describeValue(3)).toBe('3');
    expect(describeValue(10n)).toBe('10');
    expect(describeValue(Symbol('s'))).toBe('Symbol(s)');
  });

  it('describeValue() - never throws: a throwing toString or a revoked Proxy gives <Class instance> (D52)', () => {
    const evil = {
      toString(): string {
        throw new TypeError('nope');
      },
    };
    expect(describeValue(evil)).toBe('<Object instance>');
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    expect(describeValue(proxy)).toBe('<object instance>');
  });
});

describe('closedError', () => {
  it('closedError() - asyncio\'s RuntimeError: Event loop is closed, code ERR_LOOP_CLOSED, a fresh error each time', () => {
    const err = closedError();
    expect(err).toBeInstanceOf(RuntimeError);
    expect(err.message).toBe('Event loop is closed');
    expect(err.code).toBe('ERR_LOOP_CLOSED');
    expect(closedError()).not.toBe(err);
  });
});
