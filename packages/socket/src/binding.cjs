// Loads the native addon (build/Release/loop_socket.node, or a prebuild in
// prebuilds/) with node-gyp-build, from the package root: one level up from
// src/. The build (scripts/dist-binding.mjs) copies this loader into
// dist/esm and dist/cjs with the root two levels up; a CommonJS file, so the
// ES-module build imports it as its default export.
'use strict';
module.exports = require('node-gyp-build')(require('node:path').join(__dirname, '..'));
