// Pipe transports of the proactor backend over a real FIFO: the loop's
// connectReadPipe / connectWritePipe (backendMethods) reach them.
import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Protocol, type Future } from '@loop/interfaces';
import { ProactorEventLoop } from '../src/index.js';

class Reader extends Protocol {
  readonly events: string[] = [];
  readonly chunks: Buffer[] = [];
  constructor(readonly lost: Future<Error | null>) {
    super();
  }
  override connectionMade(): void {
    this.events.push('connectionMade');
  }
  override dataReceived(data: Buffer): void {
    if (this.events[this.events.length - 1] !== 'dataReceived') this.events.push('dataReceived');
    this.chunks.push(data);
  }
  override eofReceived(): boolean {
    this.events.push('eofReceived');
    return true; // ignored by a read pipe: it closes at EOF
  }
  override connectionLost(exc: Error | null): void {
    this.events.push('connectionLost');
    this.lost.setResult(exc);
  }
}

class Writer extends Protocol {
  constructor(readonly lost: Future<Error | null>) {
    super();
  }
  override connectionLost(exc: Error | null): void {
    this.lost.setResult(exc);
  }
}

describe('ProactorBackend pipe transports', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'pipe-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('connectWritePipe -> FIFO -> connectReadPipe: every byte, then eofReceived and connectionLost; writeEof closes the write end', async () => {
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const rfd = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    const wfd = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
    const loop = new ProactorEventLoop();
    await loop.runUntilComplete(async () => {
      const readerLost = loop.createFuture<Error | null>();
      const writerLost = loop.createFuture<Error | null>();
      const [rt, reader] = await loop.connectReadPipe(() => new Reader(readerLost), rfd);
      const [wt] = await loop.connectWritePipe(() => new Writer(writerLost), { fileno: () => wfd });
      expect((rt).getExtraInfo('pipe')).toBe(rfd);
      expect(rt.isReading()).toBe(true);
      const payload = Buffer.alloc(1024 * 1024, 7);
      (wt).write(payload);
      wt.writeEof();
      expect(await writerLost).toBeNull();
      expect(await readerLost).toBeNull();
      expect(Buffer.concat(reader.chunks).equals(payload)).toBe(true);
      expect(reader.events).toEqual(['connectionMade', 'dataReceived', 'eofReceived', 'connectionLost']);
    });
    loop.close();
  });

  it('a regular file is refused: RangeError "Pipe transport is for pipes/sockets only."', async () => {
    const file = join(dir, 'plain');
    writeFileSync(file, 'x');
    const fd = openSync(file, 'r');
    const loop = new ProactorEventLoop();
    await expect(loop.connectReadPipe(() => new Protocol(), fd)).rejects.toThrow(RangeError);
    await expect(loop.connectReadPipe(() => new Protocol(), fd)).rejects.toThrow('Pipe transport is for pipes/sockets only.');
    closeSync(fd);
    loop.close();
  });
});
