// Loads the native addon (build/Release/loop_socket.node, or a prebuild in
// prebuilds/) with node-gyp-build, from the package root: one level up from
// src/. The build (scripts/dist-binding.mjs) copies this loader into
// dist/esm and dist/cjs with the root two levels up; a CommonJS file, so the
// ES-module build imports it as its default export.
//
// Where the addon does not load (no build for this platform), or when
// LOOP_SOCKET_NO_ADDON=1 asks for it not to be loaded, the package still
// imports: every call then goes to `unavailable(name)`, which addon.ts
// replaces with one that throws NotImplementedError, and `loadError` says why.
'use strict';
const FUNCTIONS = [
  'socket', 'socketpair', 'pipe', 'close', 'dup', 'setblocking', 'getblocking', 'bind', 'connect', 'listen', 'accept',
  'shutdown', 'getsockname', 'getpeername', 'getsockopt', 'setsockopt', 'recvInto', 'send', 'readInto', 'write', 'lseek',
  'recvfrom', 'sendto', 'sendfile', 'epollCreate', 'epollCtl', 'epollWait', 'pollFds',
];
function unloaded(loadError) {
  const stub = {
    loadError,
    constants: {},
    unavailable(name) {
      throw new Error(`@loop/socket: ${name}(): the native addon is not loaded (${loadError.message})`);
    },
  };
  for (const name of FUNCTIONS) stub[name] = () => stub.unavailable(name);
  stub.Watcher = function Watcher() {
    stub.unavailable('Watcher');
  };
  return stub;
}
let binding;
if (process.env.LOOP_SOCKET_NO_ADDON === '1') {
  binding = unloaded(new Error('LOOP_SOCKET_NO_ADDON=1'));
} else {
  try {
    binding = require('node-gyp-build')(require('node:path').join(__dirname, '..'));
    binding.loadError = null;
  } catch (error) {
    binding = unloaded(error instanceof Error ? error : new Error(String(error)));
  }
}
module.exports = binding;
