/**
 * From an {@link SslContext} (Python's `SSLContext`) to Node's TLS objects:
 * the `tls.SecureContext` and the options `tls.connect()` / `new
 * tls.TLSSocket()` take.
 *
 * HOW: an `SslContext` is either a `tls.SecureContext` (recognised by its
 * native `context` member) or an options object (`tls.connect()` options on
 * the client side, `tls.createServer()` options on the server side). An
 * options object is turned into a `SecureContext` once and cached in a
 * `WeakMap` keyed by the object, so a server that accepts many connections
 * with the same options parses its certificates once, as Python's one
 * `SSLContext` would. `true` (`ssl: true`) is Node's default client context:
 * the bundled root CAs, peer verification on.
 *
 * WHY the hostname rules: asyncio checks the peer's name when
 * `server_hostname` is set and, with `ssl=True` and an empty name, turns the
 * check off (`_create_transport_context`). Node options have no
 * `check_hostname` flag, so an empty or missing `serverHostname` turns the
 * name check off whatever the context (the certificate chain is still
 * verified unless `rejectUnauthorized: false`). An IP literal is checked
 * against the certificate's IP addresses and is not sent as SNI (RFC 6066
 * forbids it), as Python does.
 *
 * @packageDocumentation
 */
import { isIP } from 'node:net';
import { createSecureContext, type ConnectionOptions, type SecureContext, type TLSSocketOptions, type TlsOptions } from 'node:tls';
import type { SslContext } from '@loop/interfaces';
import { SecureContextClass } from './internal/node-private.js';

/** Whether `value` is a `tls.SecureContext` (made by `tls.createSecureContext()`). */
export function isSecureContext(value: unknown): value is SecureContext {
  if (typeof value !== 'object' || value === null) return false;
  if (typeof SecureContextClass === 'function') return value instanceof SecureContextClass;
  const inner = (value as { context?: unknown }).context;
  return typeof inner === 'object' && inner !== null && value.constructor?.name === 'SecureContext';
}

/** Whether `value` can serve as an {@link SslContext}: a `SecureContext` or a (non-array) options object. */
export function isSslContext(value: unknown): value is SslContext {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

const cache = new WeakMap<object, SecureContext>();
let defaultClientContext: SecureContext | null = null;

/** The `SecureContext` of `sslcontext` (`true`: the default client context), made once per options object. */
export function secureContextOf(sslcontext: SslContext | true): SecureContext {
  if (sslcontext === true) return (defaultClientContext ??= createSecureContext({}));
  if (isSecureContext(sslcontext)) return sslcontext;
  let ctx = cache.get(sslcontext);
  if (ctx === undefined) {
    const options = sslcontext as TlsOptions;
    ctx = options.secureContext ?? createSecureContext(options);
    cache.set(sslcontext, ctx);
  }
  return ctx;
}

/** The options object of `sslcontext`, or `{}` for a `SecureContext` and `true`. */
function optionsOf(sslcontext: SslContext | true): TlsOptions & ConnectionOptions {
  if (sslcontext === true || isSecureContext(sslcontext)) return {};
  return sslcontext as TlsOptions & ConnectionOptions;
}

/** Options of `tls.connect()` for the client side, over `socket`. */
export function clientOptions(
  sslcontext: SslContext | true,
  secureContext: SecureContext,
  serverHostname: string | null,
  socket: NonNullable<ConnectionOptions['socket']>,
): ConnectionOptions {
  const opts: ConnectionOptions = { ...optionsOf(sslcontext), secureContext, socket };
  delete opts.host;
  delete opts.port;
  delete opts.path;
  if (serverHostname === null || serverHostname === '') {
    delete opts.servername;
    opts.checkServerIdentity = () => undefined;
  } else if (isIP(serverHostname) !== 0) {
    delete opts.servername;
    opts.host = serverHostname;
  } else {
    opts.servername = serverHostname;
  }
  return opts;
}

/** Options of `new tls.TLSSocket()` for the server side. */
export function serverOptions(sslcontext: SslContext | true, secureContext: SecureContext): TLSSocketOptions {
  const o = optionsOf(sslcontext);
  const opts: TLSSocketOptions = { isServer: true, secureContext, requestCert: o.requestCert === true, rejectUnauthorized: o.rejectUnauthorized !== false };
  if (o.ALPNProtocols !== undefined) opts.ALPNProtocols = o.ALPNProtocols;
  if (o.SNICallback !== undefined) opts.SNICallback = o.SNICallback;
  if (o.enableTrace !== undefined) opts.enableTrace = o.enableTrace;
  return opts;
}

/** Python's `SSLSocket.cipher()[2]`, the secret bits of the cipher, read from its name (`null` when unknown). */
export function cipherBits(name: string): number | null {
  const m = /(?:AES|CAMELLIA|ARIA)[_-]?(128|256)/i.exec(name);
  if (m !== null) return Number(m[1]);
  if (/CHACHA20/i.test(name)) return 256;
  if (/DES-CBC3|3DES/i.test(name)) return 168;
  if (/SM4/i.test(name)) return 128;
  return null;
}
