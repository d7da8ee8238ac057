/**
 * Every example imports asyncio's API from `@loop/asyncio` only, as a Python
 * program imports `asyncio`, and its sockets from `@loop/socket`, as Python
 * imports `socket`: no example reaches into `@loop/core`, `@loop/net`, the
 * loop packages or the others, and so none composes its own loop.
 *
 * The imports are read with the TypeScript parser (static `import` and
 * `export ... from` declarations, `import()` calls and `require()` calls),
 * so a comment or a string that mentions a package is not an import.
 */
import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { EXAMPLES } from '../src/examples.js';

const src = join(__dirname, '..', 'src');

/** The @loop packages an example may import. */
const ALLOWED = ['@loop/asyncio', '@loop/socket'];

/** The files of src/ that run or describe the examples and are not examples themselves. */
const TOOLING = ['run-all.ts', 'record-python.ts', 'examples.ts', 'py-format.ts'];

/** The module specifiers a TypeScript source imports, in source order. */
function importsOf(fileName: string, text: string): string[] {
  const file = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      found.push(node.moduleSpecifier.text);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      const expr = node.moduleReference.expression;
      if (ts.isStringLiteral(expr)) found.push(expr.text);
    } else if (ts.isCallExpression(node) && node.arguments.length > 0) {
      const isDynamicImport = node.expression.kind === ts.SyntaxKind.ImportKeyword;
      const isRequire = ts.isIdentifier(node.expression) && node.expression.text === 'require';
      const [arg] = node.arguments;
      if ((isDynamicImport || isRequire) && ts.isStringLiteralLike(arg)) found.push(arg.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

/** The @loop packages among `specifiers` that an example may not import (a subpath counts as its package). */
function forbidden(specifiers: string[]): string[] {
  return specifiers.filter((s) => s.startsWith('@loop/') && !ALLOWED.includes(s));
}

const examples = readdirSync(src)
  .filter((f) => f.endsWith('.ts') && !TOOLING.includes(f))
  .sort();

describe('what the examples import', () => {
  it('src/ holds the listed examples and the tooling files, nothing unaccounted for', () => {
    expect(examples).toEqual(EXAMPLES.map((name) => `${name}.ts`).sort());
  });

  it('the check reads every form of import, and only imports', () => {
    const text = [
      "import { run } from '@loop/core';",
      "import type { Transport } from '@loop/interfaces';",
      "export { net } from '@loop/net';",
      "import sel = require('@loop/selector');",
      "const p = await import('@loop/proactor');",
      "const s = require('@loop/signals');",
      "import { getEventLoop } from '@loop/asyncio';",
      "import { socketpair } from '@loop/socket';",
      "import { readFileSync } from 'node:fs';",
      "// import { x } from '@loop/subprocess';",
      "const text = \"from '@loop/subprocess'\";",
    ].join('\n');
    expect(forbidden(importsOf('sample.ts', text))).toEqual([
      '@loop/core',
      '@loop/interfaces',
      '@loop/net',
      '@loop/selector',
      '@loop/proactor',
      '@loop/signals',
    ]);
    expect(forbidden(["@loop/asyncio/internal/x", '@loop/socket'])).toEqual(['@loop/asyncio/internal/x']);
  });

  // The third-party loop's example is written as its author would write it:
  // against @loop/interfaces alone, never @loop/asyncio (test/third-party-loop.test.ts).
  it('third-party-loop.ts imports @loop/interfaces and no other @loop package', () => {
    const specifiers = importsOf('third-party-loop.ts', readFileSync(join(src, 'third-party-loop.ts'), 'utf8'));
    expect([...new Set(specifiers.filter((s) => s.startsWith('@loop/')))]).toEqual(['@loop/interfaces']);
  });

  for (const file of examples.filter((f) => f !== 'third-party-loop.ts')) {
    it(`${file} imports no @loop package but ${ALLOWED.join(' and ')}`, () => {
      const specifiers = importsOf(file, readFileSync(join(src, file), 'utf8'));
      expect(forbidden(specifiers)).toEqual([]);
      expect(specifiers).toContain('@loop/asyncio');
    });
  }
});
