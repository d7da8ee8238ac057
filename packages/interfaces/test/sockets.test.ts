import { fileDescriptorOf } from '../src/index.js';

describe('fileDescriptorOf', () => {
  it('fileDescriptorOf() - returns a non-negative integer as is', () => {
    expect(fileDescriptorOf(0)).toBe(0);
    expect(fileDescriptorOf(7)).toBe(7);
  });

  it('fileDescriptorOf() - calls fileno() on an object that has it', () => {
    expect(fileDescriptorOf({ fileno: () => 12 })).toBe(12);
  });

  it('fileDescriptorOf() - reads fd from a Node stream-like object', () => {
    expect(fileDescriptorOf({ fd: 3 })).toBe(3);
  });

  it('fileDescriptorOf() - prefers fileno() over fd', () => {
    expect(fileDescriptorOf({ fileno: () => 5, fd: 6 })).toBe(5);
  });

  it('fileDescriptorOf() - throws RangeError for a negative or fractional descriptor', () => {
    expect(() => fileDescriptorOf(-1)).toThrow('Invalid file descriptor: -1');
    expect(() => fileDescriptorOf({ fileno: () => -1 })).toThrow(RangeError);
    expect(() => fileDescriptorOf(1.5)).toThrow(expect.objectContaining({ code: 'ERR_LOOP_OUT_OF_RANGE' }));
    expect(() => fileDescriptorOf({ fileno: () => '3' as unknown as number })).toThrow('Invalid file descriptor: "3"');
  });

  it('fileDescriptorOf() - throws RangeError with the cause when fileno() throws', () => {
    const cause = new Error('closed');
    class Closed {
      fileno(): number {
        throw cause;
      }
    }
    let caught: unknown;
    try {
      fileDescriptorOf(new Closed());
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(RangeError);
    expect(caught).toMatchObject({ message: 'Invalid file object: <Closed>', cause });
  });

  it('fileDescriptorOf() - throws TypeError for what has no descriptor', () => {
    for (const bad of ['3', null, undefined, {}, { fd: '3' }, () => 3]) {
      expect(() => fileDescriptorOf(bad as unknown as number)).toThrow(TypeError);
    }
    expect(() => fileDescriptorOf('3' as unknown as number)).toThrow(expect.objectContaining({ code: 'ERR_LOOP_INVALID_ARG' }));
  });
});
