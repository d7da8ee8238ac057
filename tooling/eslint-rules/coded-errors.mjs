/**
 * ESLint rule `loop/coded-errors`: every error that library code builds
 * carries a stable code listed in `docs/errors.md`.
 *
 * Modelled on Node's `tools/eslint-rules/documented-errors.js`. In the
 * sources of the packages (`packages/<name>/src/`, the conformance suites
 * excepted: they are tests), it reports:
 *
 * - `new TypeError(...)` / `new RangeError(...)`: build them with
 *   `loopError(TypeError, 'ERR_LOOP_INVALID_ARG', message)` (or
 *   `ERR_LOOP_OUT_OF_RANGE`), so that they carry a code;
 * - `Object.assign(new SomeError(...), { code })` and similar code patching
 *   of a built-in `TypeError`/`RangeError`: the same, one way to build them;
 * - an `ERR_LOOP_*` code given to `loopError(...)` or as `{ code: '...' }`
 *   that `docs/errors.md` does not list in its "Codes" table.
 *
 * The list of documented codes is read once from `docs/errors.md`.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const docsPath = fileURLToPath(new URL('../../docs/errors.md', import.meta.url));

let documented = null;
function documentedCodes() {
  if (documented === null) {
    const text = readFileSync(docsPath, 'utf8');
    const section = text.slice(text.indexOf('## Codes'));
    documented = new Set([...section.matchAll(/^\| `(ERR_LOOP_[A-Z_]+)` \|/gm)].map((m) => m[1]));
  }
  return documented;
}

const LIBRARY_SOURCE = /[\\/]packages[\\/](?!conformance[\\/])[^\\/]+[\\/]src[\\/]/;
const BUILT_INS = new Set(['TypeError', 'RangeError']);

function isCodeProperty(prop) {
  return (
    prop.type === 'Property' &&
    !prop.computed &&
    ((prop.key.type === 'Identifier' && prop.key.name === 'code') || (prop.key.type === 'Literal' && prop.key.value === 'code'))
  );
}

/** @type {import('eslint').Rule.RuleModule} */
const rule = {
  meta: {
    type: 'problem',
    docs: { description: 'Errors thrown by @loop carry a stable code listed in docs/errors.md (loopError for TypeError/RangeError)' },
    schema: [],
    messages: {
      bare: "Build a {{name}} with loopError({{name}}, '{{code}}', message) so that it carries a code (docs/errors.md).",
      patched: 'Do not patch a code onto a {{name}}: build it with loopError({{name}}, code, message) (docs/errors.md).',
      undocumented: "The error code '{{code}}' is not listed in the Codes table of docs/errors.md.",
    },
  },
  create(context) {
    if (!LIBRARY_SOURCE.test(context.filename)) return {};
    const checkCode = (node) => {
      if (node.type !== 'Literal' || typeof node.value !== 'string' || !node.value.startsWith('ERR_LOOP_')) return;
      if (!documentedCodes().has(node.value)) context.report({ node, messageId: 'undocumented', data: { code: node.value } });
    };
    return {
      NewExpression(node) {
        if (node.callee.type !== 'Identifier' || !BUILT_INS.has(node.callee.name)) return;
        const name = node.callee.name;
        const parent = node.parent;
        const patched =
          parent.type === 'CallExpression' &&
          parent.arguments[0] === node &&
          parent.callee.type === 'MemberExpression' &&
          parent.callee.object.type === 'Identifier' &&
          parent.callee.object.name === 'Object' &&
          parent.callee.property.type === 'Identifier' &&
          parent.callee.property.name === 'assign';
        context.report({
          node,
          messageId: patched ? 'patched' : 'bare',
          data: { name, code: name === 'TypeError' ? 'ERR_LOOP_INVALID_ARG' : 'ERR_LOOP_OUT_OF_RANGE' },
        });
      },
      CallExpression(node) {
        if (node.callee.type === 'Identifier' && node.callee.name === 'loopError' && node.arguments.length >= 2) {
          checkCode(node.arguments[1]);
        }
      },
      Property(node) {
        if (isCodeProperty(node)) checkCode(node.value);
      },
      AssignmentExpression(node) {
        const left = node.left;
        if (left.type === 'MemberExpression' && !left.computed && left.property.type === 'Identifier' && left.property.name === 'code') {
          checkCode(node.right);
        }
      },
    };
  },
};

export default rule;
