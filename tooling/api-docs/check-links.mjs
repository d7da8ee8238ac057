#!/usr/bin/env node
// Checks the relative links of the repository's Markdown, without the network:
// every relative link must name a file or folder that exists, and every
// `#anchor` (in the same file or another .md) must name a heading there, as
// GitHub slugs it, or an explicit `<a id>` / `<a name>`. External links
// (http:, https:, mailto:) are not fetched.
//
// Files checked: docs/**/*.md (the API reference included), README.md,
// ARCHITECTURE.md, CONTRIBUTING.md, packages/*/README.md, packages/*/*.md,
// examples/README.md, bench/README.md.
//
//   node tooling/api-docs/check-links.mjs [file.md ...]
//
// Exit status 1 and one line per broken link when any is broken.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The Markdown files to check, relative to the root. */
function defaultFiles() {
  const files = [];
  const walk = (dir) => {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.md')) files.push(path);
    }
  };
  walk('docs');
  for (const top of ['README.md', 'ARCHITECTURE.md', 'CONTRIBUTING.md', 'examples/README.md', 'bench/README.md']) {
    if (existsSync(join(root, top))) files.push(top);
  }
  for (const pkg of readdirSync(join(root, 'packages'))) {
    const dir = join('packages', pkg);
    if (!statSync(join(root, dir)).isDirectory()) continue;
    for (const name of readdirSync(join(root, dir))) if (name.endsWith('.md')) files.push(join(dir, name));
  }
  return files;
}

/** The text of `markdown` with fenced code blocks blanked, and inline code too unless `keepInline` (links there are not links). */
function withoutCode(markdown, keepInline = false) {
  const lines = markdown.split('\n');
  let fence = null;
  return lines
    .map((line) => {
      const open = /^\s*(`{3,}|~{3,})/.exec(line);
      if (fence !== null) {
        if (open && open[1][0] === fence[0] && open[1].length >= fence.length) fence = null;
        return '';
      }
      if (open) {
        fence = open[1];
        return '';
      }
      return keepInline ? line : line.replace(/(`+)[\s\S]*?\1/g, (m) => ' '.repeat(m.length));
    })
    .join('\n');
}

/** GitHub's heading slug: lower case, punctuation dropped, spaces to hyphens. */
export function slug(heading) {
  const text = heading
    .replace(/<[^>]+>/g, '') // HTML tags
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // links keep their text
    .replace(/\\(.)/g, '$1') // escapes
    .replace(/[*_~`]/g, (c) => (c === '_' ? '_' : '')) // emphasis marks (underscores stay)
    .trim()
    .toLowerCase();
  return text.replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '').replace(/ /g, '-');
}

const anchorCache = new Map();
/** The anchors a Markdown file defines: its headings' slugs (numbered when repeated) and explicit ids. */
function anchorsOf(file) {
  let anchors = anchorCache.get(file);
  if (anchors) return anchors;
  anchors = new Set();
  const counts = new Map();
  const text = withoutCode(readFileSync(file, 'utf8'), true);
  for (const line of text.split('\n')) {
    const h = /^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (h) {
      const base = slug(h[1]);
      const n = counts.get(base) ?? 0;
      counts.set(base, n + 1);
      anchors.add(n === 0 ? base : `${base}-${n}`);
    }
    for (const m of line.matchAll(/<a\s+(?:[^>]*\s)?(?:id|name)=["']([^"']+)["']/g)) anchors.add(m[1]);
  }
  anchorCache.set(file, anchors);
  return anchors;
}

/** Every link target in `markdown`: inline `[text](target)`, images, and reference definitions. */
function linksOf(markdown) {
  const text = withoutCode(markdown);
  const links = [];
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    for (const m of line.matchAll(/!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]*)>?(?:\s+"[^"]*")?\s*\)/g)) {
      links.push({ target: m[1], line: i + 1 });
    }
    const def = /^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+["'(].*)?$/.exec(line);
    if (def) links.push({ target: def[1], line: i + 1 });
    for (const m of line.matchAll(/<a\s+[^>]*href=["']([^"']+)["']/g)) links.push({ target: m[1], line: i + 1 });
  });
  return links;
}

/** The broken links of one file, as messages. */
export function checkFile(file) {
  const abs = resolve(root, file);
  const problems = [];
  for (const { target, line } of linksOf(readFileSync(abs, 'utf8'))) {
    if (target === '' || /^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // external: http:, https:, mailto:
    const hash = target.indexOf('#');
    const pathPart = decodeURIComponent(hash === -1 ? target : target.slice(0, hash));
    const anchor = hash === -1 ? null : decodeURIComponent(target.slice(hash + 1));
    const dest = pathPart === '' ? abs : pathPart.startsWith('/') ? join(root, pathPart) : resolve(dirname(abs), pathPart);
    const where = `${relative(root, abs)}:${line}`;
    if (!existsSync(dest)) {
      problems.push(`${where}: ${target}: no such file ${relative(root, dest)}`);
      continue;
    }
    if (anchor !== null && anchor !== '' && dest.endsWith('.md') && statSync(dest).isFile()) {
      if (!anchorsOf(dest).has(anchor)) problems.push(`${where}: ${target}: no heading #${anchor} in ${relative(root, dest)}`);
    }
  }
  return problems;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const files = process.argv.length > 2 ? process.argv.slice(2) : defaultFiles();
  const problems = files.flatMap(checkFile);
  for (const p of problems) console.error(p);
  console.log(`check-links: ${files.length} files, ${problems.length} broken link${problems.length === 1 ? '' : 's'}`);
  process.exitCode = problems.length === 0 ? 0 : 1;
}
