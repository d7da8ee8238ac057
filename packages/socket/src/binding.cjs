// Loads the native addon (build/Release/loop_socket.node, or a prebuild in
// prebuilds/) with node-gyp-build, from the package root: one level up from
// src/. The build (scripts/dist-binding.mjs) copies this loader into
// dist/esm and dist/cjs with the root two levels up; a CommonJS file, so the
// ES-module build imports it as its default export.
//
// Where the addon does not load (no build for this platform), or when
// LOOP_SOCKET_NO_ADDON=1 asks for it not to be loaded, the package still
// imports: the binding is then `{ loadError, constants: {} }`, and every
// entry point of the package refuses to run first (addon.ts, requireAddon).
//
// When the install could not build the addon, scripts/install.cjs left
// build/install-error.txt (ADR 0012): the load error then says why.
'use strict';
const path = require('node:path');
const root = path.join(__dirname, '..');
function unloaded(loadError) {
  return { loadError, constants: {} };
}
function installError() {
  try {
    return require('node:fs').readFileSync(path.join(root, 'build', 'install-error.txt'), 'utf8').trim();
  } catch {
    return null;
  }
}
let binding;
if (process.env.LOOP_SOCKET_NO_ADDON === '1') {
  binding = unloaded(new Error('LOOP_SOCKET_NO_ADDON=1'));
} else {
  try {
    binding = require('node-gyp-build')(root);
    binding.loadError = null;
  } catch (error) {
    const cause = error instanceof Error ? error : new Error(String(error));
    const why = installError();
    binding = unloaded(why === null ? cause : new Error(`${cause.message}\nthe install could not build it: ${why}`, { cause }));
  }
}
module.exports = binding;
