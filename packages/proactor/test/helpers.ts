// Test doubles shared by the proactor backend's tests: a server's hooks that
// track the live transports, an echo protocol, and a count of the process's
// open socket descriptors.
import { readdirSync, readlinkSync } from 'node:fs';
import { Protocol, type BaseTransport, type ServerHooks, type Transport } from '@loop/interfaces';

/** `ServerHooks` that keep the transports attached and not yet detached. */
export class Hooks implements ServerHooks {
  readonly live = new Set<BaseTransport>();
  attach(t: BaseTransport): void {
    this.live.add(t);
  }
  detach(t: BaseTransport): void {
    this.live.delete(t);
  }
}

/** Writes back what it receives; `eofReceived()` returns false (the transport closes). */
export class EchoServer extends Protocol {
  transport: Transport | null = null;
  override connectionMade(t: Transport): void {
    this.transport = t;
  }
  override dataReceived(data: Buffer): void {
    this.transport?.write(data);
  }
  override eofReceived(): boolean {
    return false;
  }
}

/**
 * The process's open socket descriptors. Only sockets: Node and libuv open
 * other descriptors lazily (an eventfd, io_uring, a pipe for the thread pool)
 * at moments a loaded machine makes unpredictable, and a count of every
 * descriptor once stayed one above its baseline after such a late open.
 */
export const openSockets = (): number =>
  readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`).startsWith('socket:');
    } catch {
      return false; // closed since the listing (the listing's own descriptor among them)
    }
  }).length;
