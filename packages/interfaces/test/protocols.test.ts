import {
  BaseProtocol,
  BufferedProtocol,
  DatagramProtocol,
  NotImplementedError,
  Protocol,
  SubprocessProtocol,
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
