import {
  BaseProtocol,
  BufferedProtocol,
  DatagramProtocol,
  NotImplementedError,
  Protocol,
  RuntimeError,
  SubprocessProtocol,
  feedBufferedProtocol,
  isBufferedProtocol,
  type BaseTransport,
  type ProtocolFactory,
  type Transport,
} from '../src/index.js';

const transport = {} as Transport;

describe('BaseProtocol', () => {
  it('connectionMade() - is a no-op on BaseProtocol', () => {
    expect(new BaseProtocol().connectionMade(transport)).toBeUndefined();
  });
  it('connectionLost() - is a no-op on BaseProtocol, with or without an error', () => {
    const p = new BaseProtocol();
    expect(p.connectionLost(null)).toBeUndefined();
    expect(p.connectionLost(new Error('reset'))).toBeUndefined();
  });
  it('pauseWriting() and resumeWriting() - are no-ops on BaseProtocol', () => {
    const p = new BaseProtocol();
    expect(p.pauseWriting()).toBeUndefined();
    expect(p.resumeWriting()).toBeUndefined();
  });
});

describe('Protocol', () => {
  it('dataReceived() - is a no-op on Protocol', () => {
    expect(new Protocol().dataReceived(Buffer.from('x'))).toBeUndefined();
  });
  it('eofReceived() - returns a falsy value by default, so the transport closes itself', () => {
    expect(new Protocol().eofReceived()).toBeFalsy();
  });
  it('Protocol - is a BaseProtocol, and not a BufferedProtocol', () => {
    const p = new Protocol();
    expect(p).toBeInstanceOf(BaseProtocol);
    expect(p).not.toBeInstanceOf(BufferedProtocol);
  });
  it('Protocol - subclasses override only what they need and keep the other no-ops', () => {
    class Echo extends Protocol {
      t: BaseTransport | null = null;
      readonly chunks: Buffer[] = [];
      override connectionMade(t: Transport): void {
        this.t = t;
      }
      override dataReceived(data: Buffer): void {
        this.chunks.push(data);
      }
      override eofReceived(): boolean {
        return true;
      }
    }
    const echo = new Echo();
    echo.connectionMade(transport);
    echo.dataReceived(Buffer.from('hi'));
    expect(echo.t).toBe(transport);
    expect(Buffer.concat(echo.chunks).toString()).toBe('hi');
    expect(echo.eofReceived()).toBe(true);
    expect(echo.connectionLost(null)).toBeUndefined();
  });
});

describe('BufferedProtocol', () => {
  it('getBuffer() - throws NotImplementedError on the base class, since a buffer is required', () => {
    const p = new BufferedProtocol();
    expect(() => p.getBuffer(-1)).toThrow(NotImplementedError);
    expect(() => p.getBuffer(1024)).toThrow('BufferedProtocol.getBuffer() must be implemented by the subclass');
  });
  it('bufferUpdated() and eofReceived() - are no-ops on BufferedProtocol', () => {
    const p = new BufferedProtocol();
    expect(p.bufferUpdated(10)).toBeUndefined();
    expect(p.eofReceived()).toBeFalsy();
  });
  it('getBuffer() - a subclass that implements it is used as is', () => {
    class Into extends BufferedProtocol {
      readonly buf = new Uint8Array(16);
      received = 0;
      override getBuffer(_sizehint: number): Uint8Array {
        return this.buf;
      }
      override bufferUpdated(nbytes: number): void {
        this.received += nbytes;
      }
    }
    const p = new Into();
    p.getBuffer(-1).set([1, 2, 3]);
    p.bufferUpdated(3);
    expect(p.received).toBe(3);
    expect(Array.from(p.buf.subarray(0, 3))).toEqual([1, 2, 3]);
  });
});

describe('DatagramProtocol', () => {
  it('datagramReceived() and errorReceived() - are no-ops on DatagramProtocol', () => {
    const p = new DatagramProtocol();
    expect(p.datagramReceived(Buffer.from('d'), ['127.0.0.1', 9])).toBeUndefined();
    expect(p.errorReceived(new Error('ECONNREFUSED'))).toBeUndefined();
    expect(p).toBeInstanceOf(BaseProtocol);
  });
});

describe('SubprocessProtocol', () => {
  it('pipeDataReceived(), pipeConnectionLost() and processExited() - are no-ops on SubprocessProtocol', () => {
    const p = new SubprocessProtocol();
    expect(p.pipeDataReceived(1, Buffer.from('out'))).toBeUndefined();
    expect(p.pipeConnectionLost(1, null)).toBeUndefined();
    expect(p.processExited()).toBeUndefined();
    expect(p).toBeInstanceOf(BaseProtocol);
  });
});

describe('ProtocolFactory', () => {
  it('ProtocolFactory - is a zero-argument function returning a fresh protocol', () => {
    const factory: ProtocolFactory<Protocol> = () => new Protocol();
    expect(factory()).not.toBe(factory());
  });
});

describe('dual-package hazard', () => {
  type Protocols = typeof import('../src/protocols.js');
  let other: Protocols;
  beforeAll(async () => {
    await jest.isolateModulesAsync(async () => {
      other = await import('../src/protocols.js');
    });
  });

  it('instanceof - recognises a protocol subclassed from another copy of the package', () => {
    class Theirs extends other.BufferedProtocol {}
    expect(other.BufferedProtocol).not.toBe(BufferedProtocol);
    expect(new Theirs()).toBeInstanceOf(BufferedProtocol);
    expect(new Theirs()).toBeInstanceOf(BaseProtocol);
    expect(new Theirs()).not.toBeInstanceOf(Protocol);
  });
});

describe('isBufferedProtocol', () => {
  it('isBufferedProtocol() - true for a BufferedProtocol and its subclasses, false for any other protocol or value', () => {
    class Mine extends BufferedProtocol {}
    expect(isBufferedProtocol(new BufferedProtocol())).toBe(true);
    expect(isBufferedProtocol(new Mine())).toBe(true);
    expect(isBufferedProtocol(new Protocol())).toBe(false);
    expect(isBufferedProtocol(new BaseProtocol())).toBe(false);
    expect(isBufferedProtocol({ getBuffer: () => new Uint8Array(1), bufferUpdated: () => {} })).toBe(false);
    expect(isBufferedProtocol(null)).toBe(false);
  });

  it('isBufferedProtocol() - recognises a BufferedProtocol of another copy of the package', async () => {
    let other!: typeof import('../src/protocols.js');
    await jest.isolateModulesAsync(async () => {
      other = await import('../src/protocols.js');
    });
    class Theirs extends other.BufferedProtocol {}
    expect(isBufferedProtocol(new Theirs())).toBe(true);
  });
});

describe('feedBufferedProtocol', () => {
  class Recorder extends BufferedProtocol {
    readonly calls: string[] = [];
    readonly received: number[] = [];
    constructor(readonly size: number) {
      super();
    }
    #buf = new Uint8Array(0);
    override getBuffer(sizehint: number): Uint8Array {
      this.calls.push(`getBuffer(${sizehint})`);
      this.#buf = new Uint8Array(this.size);
      return this.#buf;
    }
    override bufferUpdated(nbytes: number): void {
      this.calls.push(`bufferUpdated(${nbytes})`);
      this.received.push(...this.#buf.subarray(0, nbytes));
    }
  }
  const data = Uint8Array.from([1, 2, 3, 4, 5, 6, 7]);

  it('feedBufferedProtocol() - one getBuffer/bufferUpdated pair when the buffer holds all the data', () => {
    const p = new Recorder(64);
    expect(feedBufferedProtocol(p, data)).toBe(7);
    expect(p.calls).toEqual(['getBuffer(7)', 'bufferUpdated(7)']);
    expect(p.received).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('feedBufferedProtocol() - asks again with the bytes left while the buffers are smaller than the data (asyncio\'s _feed_data_to_buffered_proto)', () => {
    const p = new Recorder(3);
    expect(feedBufferedProtocol(p, data)).toBe(7);
    expect(p.calls).toEqual(['getBuffer(7)', 'bufferUpdated(3)', 'getBuffer(4)', 'bufferUpdated(3)', 'getBuffer(1)', 'bufferUpdated(1)']);
    expect(p.received).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('feedBufferedProtocol() - stops between two buffers when stop() answers true, and returns the bytes fed', () => {
    const p = new Recorder(3);
    let asked = 0;
    expect(feedBufferedProtocol(p, data, () => ++asked === 2)).toBe(6);
    expect(p.received).toEqual([1, 2, 3, 4, 5, 6]);
    expect(asked).toBe(2);
  });

  it('feedBufferedProtocol() - an empty buffer is asyncio\'s RuntimeError; a buffer that is not a Uint8Array a coded TypeError', () => {
    const empty = new (class extends BufferedProtocol {
      override getBuffer(): Uint8Array {
        return new Uint8Array(0);
      }
    })();
    expect(() => feedBufferedProtocol(empty, data)).toThrow(new RuntimeError('getBuffer() returned an empty buffer'));
    const wrong = new (class extends BufferedProtocol {
      override getBuffer(): Uint8Array {
        return 'abc' as unknown as Uint8Array;
      }
    })();
    expect(() => feedBufferedProtocol(wrong, data)).toThrow(expect.objectContaining({ name: 'TypeError', code: 'ERR_LOOP_INVALID_ARG' }) as Error);
  });

  it('feedBufferedProtocol() - what getBuffer or bufferUpdated throws reaches the caller', () => {
    const boom = new Error('boom');
    const p = new (class extends BufferedProtocol {
      override getBuffer(): Uint8Array {
        throw boom;
      }
    })();
    expect(() => feedBufferedProtocol(p, data)).toThrow(boom);
  });
});
