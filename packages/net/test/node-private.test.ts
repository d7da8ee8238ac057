// The Node-private fields this package relies on (src/internal/node-private.ts),
// checked on real Node objects. A failure here means a Node upgrade changed one
// of them: update the accessor (and the Node versions in its header) first.
// What they do is covered by the TLS conformance suite (a server that requires
// a client certificate); `verifyError()` is not called here, as Node 20 crashes
// when it is called before a handshake.
import * as net from 'node:net';
import * as tls from 'node:tls';
import { SecureContextClass, peerVerifyError } from '../src/internal/node-private.js';

describe('Node-private fields (src/internal/node-private.ts)', () => {
  it('tls.SecureContext - exported by node:tls, the class of tls.createSecureContext() results', () => {
    expect(typeof SecureContextClass).toBe('function');
    expect(SecureContextClass).toBe((tls as unknown as { SecureContext: unknown }).SecureContext);
    const ctx = tls.createSecureContext();
    expect(ctx).toBeInstanceOf(SecureContextClass as new () => tls.SecureContext);
    expect({ context: {} }).not.toBeInstanceOf(SecureContextClass as new () => tls.SecureContext);
  });

  it('tlsSocket._handle.verifyError - a TLS socket\'s handle (TLSWrap) has it, a function', () => {
    const raw = new net.Socket();
    const sock = new tls.TLSSocket(raw, { isServer: true, secureContext: tls.createSecureContext() });
    try {
      const handle = (sock as unknown as { _handle: Record<string, unknown> | null })._handle;
      expect(handle).not.toBeNull();
      expect(typeof handle?.verifyError).toBe('function');
    } finally {
      sock.destroy();
      raw.destroy();
    }
    // Destroyed: no handle, so no call and no error.
    expect(peerVerifyError(sock)).toBeNull();
  });
});
