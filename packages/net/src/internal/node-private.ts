/**
 * Every place where `@loop/net` reaches into Node's undocumented internals,
 * each behind one typed accessor. Nothing else in this package casts a Node
 * object to read a private field.
 *
 * HOW they stay safe: each accessor checks the shape it finds and falls back
 * rather than throwing, and `test/node-private.test.ts` checks every field
 * below on real Node objects, so a Node upgrade that changes one fails that
 * test loudly instead of silently weakening TLS.
 *
 * Node versions checked: v20.20.2 (the shapes below are unchanged across
 * Node 20.x; the engines range of this package is `>=20`).
 *
 * | touch point | Node source | used for |
 * |---|---|---|
 * | `tlsSocket._handle.verifyError()` | `src/crypto/crypto_tls.cc` (`TLSWrap::VerifyError`), `lib/_tls_wrap.js` (`onConnectSecure` calls it on the client side) | {@link peerVerifyError}: the server side's check of a client certificate (Python's `CERT_REQUIRED`) |
 * | `tls.SecureContext` (exported, undocumented) | `lib/tls.js` (`exports.SecureContext`), `lib/internal/tls/secure-context.js` | {@link SecureContextClass}: `instanceof` for a `tls.SecureContext` |
 *
 * Internal: not reachable through the package's `exports`.
 */

import * as tls from 'node:tls';
import type { SecureContext, TLSSocket } from 'node:tls';

/**
 * The class of `tls.createSecureContext()`'s results, which `node:tls`
 * exports without documenting it; `undefined` if a Node drops the export
 * (callers then test the shape instead).
 */
export const SecureContextClass: (new (...args: never[]) => SecureContext) | undefined = (tls as unknown as { SecureContext?: new (...args: never[]) => SecureContext })
  .SecureContext;

/**
 * The error OpenSSL recorded when it verified the peer's certificate chain
 * (`TLSWrap::VerifyError`: `null` when it verified, an `Error` whose `code`
 * is OpenSSL's, e.g. `UNABLE_TO_VERIFY_LEAF_SIGNATURE`, otherwise). `null`
 * too when the socket has no handle (destroyed) or the handle lacks the method.
 * Call it only once the handshake is done: on Node 20, `verifyError()` on a
 * handle that has not handshaken yet crashes the process (a segmentation
 * fault, checked on v20.20.2).
 */
export function peerVerifyError(sock: TLSSocket): Error | null {
  const handle = (sock as unknown as { _handle?: { verifyError?: () => Error | null } | null })._handle;
  if (handle === null || handle === undefined || typeof handle.verifyError !== 'function') return null;
  return handle.verifyError() ?? null;
}
