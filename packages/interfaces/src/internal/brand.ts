/**
 * Class identity that survives the ESM/CJS dual-package hazard.
 *
 * HOW and WHY. `@loop/interfaces` ships an ES-module build and a CommonJS
 * build. An application that both `import`s and `require`s it (directly or
 * through two dependencies) loads two copies, hence two `CancelledError`
 * classes, two `BufferedProtocol`s… and `err instanceof CancelledError` is
 * false for an error made by the other copy. A task that fails to recognise a
 * cancellation, or a transport that fails to recognise a buffered protocol,
 * is a silent bug.
 *
 * `brand(Ctor, key)` gives a class a key that both copies agree on:
 *
 * - `Ctor.prototype[BRAND] === key`, an own, non-enumerable property, so
 *   every instance carries, on its prototype chain, the keys of the branded
 *   classes it descends from;
 * - `Ctor[Symbol.hasInstance]` first does the ordinary prototype-chain test,
 *   and only when that fails looks for `key` along the value's chain.
 *
 * `BRAND` is `Symbol.for(...)`, shared by every copy in the process. A user
 * subclass inherits `Symbol.hasInstance` but has no own brand, so `instanceof`
 * against it stays the ordinary test. Cost: the ordinary test, plus, on a
 * miss, one property read per prototype on the chain.
 *
 * Internal: not reachable through the package's `exports`.
 */

/** The well-known key under which a branded prototype stores its brand. */
export const BRAND: unique symbol = Symbol.for('@loop/interfaces.brand');

const ordinaryHasInstance = Function.prototype[Symbol.hasInstance];

/** Whether `value`'s prototype chain holds a prototype branded `key`. */
export function hasBrand(value: unknown, key: string): boolean {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return false;
  for (let proto: unknown = Object.getPrototypeOf(value); proto !== null; proto = Object.getPrototypeOf(proto)) {
    if (Object.prototype.hasOwnProperty.call(proto, BRAND) && (proto as Record<symbol, unknown>)[BRAND] === key) return true;
  }
  return false;
}

/**
 * Brands `Ctor` with `key` (see the file header). Call once, right after the
 * class declaration; `key` must be unique within @loop (`'@loop/interfaces:CancelledError'`).
 */
export function brand(Ctor: abstract new (...args: never[]) => unknown, key: string): void {
  Object.defineProperty(Ctor.prototype, BRAND, { value: key, enumerable: false, configurable: false, writable: false });
  Object.defineProperty(Ctor, Symbol.hasInstance, {
    configurable: true,
    enumerable: false,
    writable: false,
    value: function hasInstance(this: Function, value: unknown): boolean {
      if (ordinaryHasInstance.call(this, value)) return true;
      const own: unknown = Object.prototype.hasOwnProperty.call(this.prototype, BRAND)
        ? (this.prototype as Record<symbol, unknown>)[BRAND]
        : undefined;
      return typeof own === 'string' && hasBrand(value, own);
    },
  });
}
