/**
 * Whether the native addon loaded. Where it did not (no build for this
 * platform, or `LOOP_SOCKET_NO_ADDON=1` in the environment), the package
 * still imports, so a program can choose another backend, and every call
 * that needs the addon throws `NotImplementedError` naming the call and why.
 *
 * @packageDocumentation
 */
import { NotImplementedError } from '@loop/interfaces';
import binding from './binding.cjs';

/**
 * Why `@loop/socket`'s native addon did not load, or `null` when it did:
 * every socket, pipe and poll call needs it. `@loop/asyncio` asks this to
 * choose its default loop (the selector loop needs the addon; the proactor
 * loop does not).
 */
export function addonError(): Error | null {
  return binding.loadError;
}

/**
 * Throws `NotImplementedError` for `api` when the addon did not load: the
 * first step of every entry point, so that a call fails on the missing addon
 * before it checks arguments whose defaults are the addon's constants.
 *
 * @internal
 */
export function requireAddon(api: string): void {
  const cause = binding.loadError;
  if (cause !== null) {
    throw new NotImplementedError(`@loop/socket: ${api}(): the native addon is not loaded on this platform (${cause.message})`, { cause });
  }
}
