// Test doubles shared by the proactor backend's tests: a server's hooks that
// track the live transports, and an echo protocol.
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
