import {
  BaseExceptionGroup,
  CancelledError,
  ExceptionGroup,
  IncompleteReadError,
  InvalidStateError,
  LimitOverrunError,
  NotImplementedError,
  RuntimeError,
  SendfileNotAvailableError,
  TimeoutError,
  loopError,
} from '../src/index.js';

describe('error classes', () => {
  const cases: [string, () => Error & { code: string }, string, (new (...a: never[]) => Error)[]][] = [
    ['RuntimeError', () => new RuntimeError('boom'), 'ERR_LOOP_RUNTIME', [RuntimeError, Error]],
    ['NotImplementedError', () => new NotImplementedError('nope'), 'ERR_LOOP_NOT_IMPLEMENTED', [NotImplementedError, RuntimeError, Error]],
    ['CancelledError', () => new CancelledError('stop'), 'ERR_LOOP_CANCELLED', [CancelledError, Error]],
    ['InvalidStateError', () => new InvalidStateError('state'), 'ERR_LOOP_INVALID_STATE', [InvalidStateError, Error]],
    ['TimeoutError', () => new TimeoutError('late'), 'ERR_LOOP_TIMEOUT', [TimeoutError, Error]],
    [
      'SendfileNotAvailableError',
      () => new SendfileNotAvailableError('no sendfile'),
      'ERR_LOOP_SENDFILE_NOT_AVAILABLE',
      [SendfileNotAvailableError, RuntimeError, Error],
    ],
    ['IncompleteReadError', () => new IncompleteReadError(Buffer.from('ab'), 5), 'ERR_LOOP_INCOMPLETE_READ', [IncompleteReadError, Error]],
    ['LimitOverrunError', () => new LimitOverrunError('too long', 3), 'ERR_LOOP_LIMIT_OVERRUN', [LimitOverrunError, Error]],
  ];

  it.each(cases)('%s - has its class name as name, a stable code and the right instanceof chain', (name, make, code, chain) => {
    const err = make();
    expect(err.name).toBe(name);
    expect(err.code).toBe(code);
    for (const Ctor of chain) expect(err).toBeInstanceOf(Ctor);
    expect(Object.keys(err)).not.toContain('name');
  });

  it('CancelledError - is not a RuntimeError, so code catching RuntimeError lets it through', () => {
    expect(new CancelledError()).not.toBeInstanceOf(RuntimeError);
  });

  it('CancelledError - carries exactly the cancel() message, empty by default', () => {
    expect(new CancelledError().message).toBe('');
    expect(new CancelledError('why').message).toBe('why');
  });

  it('RuntimeError - accepts a more precise code and a cause', () => {
    const cause = new Error('root');
    const err = new RuntimeError('Event loop is closed', { code: 'ERR_LOOP_CLOSED', cause });
    expect(err.code).toBe('ERR_LOOP_CLOSED');
    expect(err.cause).toBe(cause);
  });

  it('RuntimeError - names a subclass after the subclass', () => {
    class LoopClosed extends RuntimeError {}
    expect(new LoopClosed('x').name).toBe('LoopClosed');
  });

  it('NotImplementedError - keeps its code when given a cause only', () => {
    expect(new NotImplementedError('x', { cause: 1 }).code).toBe('ERR_LOOP_NOT_IMPLEMENTED');
  });

  it('IncompleteReadError - reports partial and expected like asyncio', () => {
    const err = new IncompleteReadError(Buffer.from('abc'), 10);
    expect(err.partial.toString()).toBe('abc');
    expect(err.expected).toBe(10);
    expect(err.message).toBe('3 bytes read on a total of 10 expected bytes');
    expect(new IncompleteReadError(Buffer.alloc(0), null).message).toBe('0 bytes read on a total of undefined expected bytes');
  });

  it('LimitOverrunError - keeps consumed', () => {
    expect(new LimitOverrunError('Separator is not found, and chunk exceed the limit', 7).consumed).toBe(7);
  });
});

describe('exception groups', () => {
  it('ExceptionGroup - takes (message, exceptions) in Python order and exposes exceptions and errors', () => {
    const a = new Error('a');
    const b = new RangeError('b');
    const group = new ExceptionGroup('two failures', [a, b]);
    expect(group.message).toBe('two failures');
    expect(group.exceptions).toEqual([a, b]);
    expect(group.errors).toEqual([a, b]);
    expect(group.name).toBe('ExceptionGroup');
    expect(group.code).toBe('ERR_LOOP_EXCEPTION_GROUP');
    expect(group).toBeInstanceOf(BaseExceptionGroup);
    expect(group).toBeInstanceOf(AggregateError);
  });

  it('BaseExceptionGroup - keeps nested groups as members', () => {
    const inner = new ExceptionGroup('inner', [new Error('x')]);
    const outer = new BaseExceptionGroup('outer', [inner, new CancelledError()]);
    expect(outer.exceptions[0]).toBe(inner);
    expect(outer.name).toBe('BaseExceptionGroup');
    expect(outer).not.toBeInstanceOf(ExceptionGroup);
  });

  it('BaseExceptionGroup - freezes exceptions and copies the given array', () => {
    const list = [new Error('x')];
    const group = new ExceptionGroup('g', list);
    list.push(new Error('y'));
    expect(group.exceptions).toHaveLength(1);
    expect(Object.isFrozen(group.exceptions)).toBe(true);
  });

  it('ExceptionGroup - throws RangeError for an empty list and TypeError for a non-string message', () => {
    expect(() => new ExceptionGroup('g', [])).toThrow(RangeError);
    expect(() => new ExceptionGroup('g', [])).toThrow(expect.objectContaining({ code: 'ERR_LOOP_OUT_OF_RANGE' }));
    expect(() => new ExceptionGroup([new Error('x')] as unknown as string, [])).toThrow(TypeError);
    expect(() => new ExceptionGroup(1 as unknown as string, [new Error('x')])).toThrow(
      expect.objectContaining({ code: 'ERR_LOOP_INVALID_ARG' }),
    );
  });
});

describe('loopError', () => {
  it('loopError() - builds the built-in error class with a code', () => {
    const err = loopError(RangeError, 'ERR_LOOP_OUT_OF_RANGE', 'delay must be finite');
    expect(err).toBeInstanceOf(RangeError);
    expect(err.code).toBe('ERR_LOOP_OUT_OF_RANGE');
    expect(err.message).toBe('delay must be finite');
  });
});

describe('dual-package hazard', () => {
  type Errors = typeof import('../src/errors.js');
  let other: Errors;

  beforeAll(async () => {
    await jest.isolateModulesAsync(async () => {
      other = await import('../src/errors.js');
    });
  });

  it('instanceof - recognises an error made by another copy of the package', () => {
    expect(other.CancelledError).not.toBe(CancelledError);
    expect(new other.CancelledError('x')).toBeInstanceOf(CancelledError);
    expect(new other.NotImplementedError('x')).toBeInstanceOf(RuntimeError);
    expect(new other.ExceptionGroup('g', [1])).toBeInstanceOf(BaseExceptionGroup);
  });

  it('instanceof - still tells different classes apart across copies', () => {
    expect(new other.CancelledError('x')).not.toBeInstanceOf(TimeoutError);
    expect(new other.RuntimeError('x')).not.toBeInstanceOf(NotImplementedError);
    expect(new other.BaseExceptionGroup('g', [1])).not.toBeInstanceOf(ExceptionGroup);
    expect(new Error('plain')).not.toBeInstanceOf(RuntimeError);
  });

  it('instanceof - a user subclass keeps ordinary instanceof semantics', () => {
    class MyError extends RuntimeError {}
    expect(new MyError('x')).toBeInstanceOf(MyError);
    expect(new RuntimeError('x')).not.toBeInstanceOf(MyError);
    expect(new other.RuntimeError('x')).not.toBeInstanceOf(MyError);
    expect((null as unknown) instanceof RuntimeError).toBe(false);
    expect((42 as unknown) instanceof RuntimeError).toBe(false);
  });
});
