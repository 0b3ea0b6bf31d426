import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * DESIGN's layer rules as a test over the import graph of src/ (every .ts and .tsx file).
 *
 * An import is `import ... from '...'`, `export ... from '...'`, `import '...'` or a dynamic
 * `import('...')`, found by regular expressions over the source with comment lines skipped
 * (TypeScript 7 has no JS parser API to lean on). Relative specifiers are resolved to files; a
 * file belongs to a node: `server/<folder>` under src/server, the file itself for the files at
 * src/server's root (app.ts, config.ts, errors.ts, ...), `shared` and `web`.
 *
 * Type-only imports count like any other: a cycle through types is still two folders that cannot
 * change apart, and `import type ... from 'ai'` in http/ is still the SDK's shape in a route. What
 * http/ needs of the AI SDK's types it gets through src/shared (run-events.ts builds on the SDK's
 * `UIMessageChunk`): src/shared may import `ai` types, and importing src/shared is fine anywhere.
 */

const ROOT = resolve(import.meta.dirname, '..');
const SRC = join(ROOT, 'src');

const LLM_SDKS = /^(ai|@ai-sdk\/[^/]+|ollama-ai-provider-v2|node-llama-cpp)$/;

interface Import {
  /** The importing file, relative to src/ with forward slashes. */
  file: string;
  line: number;
  specifier: string;
  /** Names imported in braces (`import { a, type B } from`): a, B. */
  names: string[];
  /** The imported file relative to src/ (relative specifiers), else undefined (a package). */
  target: string | undefined;
}

/**
 * Known violations that could not be fixed yet: each names its issue. Matched by importing file
 * and specifier. Keep this empty; an entry is a debt with an owner, not a permission.
 */
const ALLOWED: { rule: string; file: string; specifier: string; why: string }[] = [];

function sourceFiles(dir: string): string[] {
  const files: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) files.push(...sourceFiles(path));
    else if (/\.tsx?$/.test(name) && !name.endsWith('.d.ts')) files.push(path);
  }
  return files;
}

const toSrc = (path: string) => relative(SRC, path).split(sep).join('/');

/** `../chat/x.js` → the .ts/.tsx file it names; a folder → its index. */
function resolveRelative(from: string, specifier: string): string {
  const base = resolve(dirname(from), specifier);
  const candidates = [
    base.replace(/\.js$/, '.ts'),
    base.replace(/\.js$/, '.tsx'),
    `${base}.ts`,
    `${base}.tsx`,
    join(base, 'index.ts'),
    join(base, 'index.tsx'),
    base,
  ];
  for (const candidate of candidates) {
    try {
      if (statSync(candidate).isFile()) return toSrc(candidate);
    } catch {
      // not this one
    }
  }
  return toSrc(base);
}

/** Source with comment lines blanked (kept as empty lines so line numbers stay right). */
function withoutComments(source: string): string {
  return source
    .replace(/\/\*[\s\S]*?\*\//g, (block) => block.replace(/[^\n]/g, ''))
    .split('\n')
    .map((line) => (line.trimStart().startsWith('//') ? '' : line))
    .join('\n');
}

const lineOf = (text: string, index: number) => text.slice(0, index).split('\n').length;

const PATTERNS = [
  // Static imports and re-exports, over several lines; [^;] keeps a match inside one statement.
  /^[ \t]*(?:import|export)\s([^;]*?)\bfrom\s*['"]([^'"\n]+)['"]/gm,
  // Side-effect imports.
  /^[ \t]*import()\s*['"]([^'"\n]+)['"]/gm,
  // Dynamic imports.
  /\bimport\(()\s*['"]([^'"\n]+)['"]\s*\)/g,
];

function importsOf(path: string, code: string): Import[] {
  const found: Import[] = [];
  for (const pattern of PATTERNS) {
    for (const match of code.matchAll(pattern)) {
      const specifier = match[2] as string;
      const braces = /\{([^}]*)\}/.exec(match[1] ?? '')?.[1] ?? '';
      const names = braces
        .split(',')
        .map(
          (name) =>
            name
              .trim()
              .replace(/^type\s+/, '')
              .split(/\s+as\s+/)[0] as string,
        )
        .filter((name) => name !== '');
      found.push({
        file: toSrc(path),
        line: lineOf(code, match.index ?? 0),
        specifier,
        names,
        target: specifier.startsWith('.') ? resolveRelative(path, specifier) : undefined,
      });
    }
  }
  return found;
}

/** The node (layer) a file of src/ belongs to. */
function nodeOf(file: string): string {
  const parts = file.split('/');
  if (parts[0] === 'server') return parts.length > 2 ? `server/${parts[1]}` : file;
  return parts[0] as string;
}

/** `@ai-sdk/openai/internal` → `@ai-sdk/openai`; `ai/rsc` → `ai`. */
function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] as string);
}

const files = sourceFiles(SRC);
const codes = new Map(files.map((path) => [toSrc(path), withoutComments(readFileSync(path, 'utf8'))]));
const imports = files.flatMap((path) => importsOf(path, codes.get(toSrc(path)) as string));

/**
 * The store functions that change a reply's (message) or a run's status: guarded transitions,
 * called from runs/run-status.ts only (the state machine's one owner). A new one belongs here.
 */
const STATUS_WRITERS = new Set([
  'insertRun',
  'claimForContinue',
  'checkpointReplyText',
  'saveRunResult',
  'finishRun',
  'interruptRun',
  'interruptRunningRuns',
  'interruptStreamingMessages',
  'updateMessage',
]);

interface Rule {
  name: string;
  from: RegExp;
  /** A node of src/ the importer must not reach... */
  to?: RegExp;
  /** ...or a package it must not import. */
  pkg?: RegExp;
}

const RULES: Rule[] = [
  { name: 'chat/ and runs/ do not import http/', from: /^server\/(chat|runs)$/, to: /^server\/http$/ },
  {
    name: 'http/ does not import store/ (routes call the domain)',
    from: /^server\/http$/,
    to: /^server\/store$/,
  },
  { name: 'http/ does not import an LLM SDK', from: /^server\/http$/, pkg: LLM_SDKS },
  { name: 'store/ does not import chat/ or runs/', from: /^server\/store$/, to: /^server\/(chat|runs)$/ },
  {
    name: 'chat/, runs/ and store/ do not import Fastify (the domain knows no HTTP)',
    from: /^server\/(chat|runs|store)$/,
    pkg: /^(fastify|@fastify\/[^/]+)$/,
  },
  { name: 'web/ does not import src/server', from: /^web$/, to: /^server\// },
  {
    name: 'only store/ imports Kysely (domain code gets repositories and transaction(fn))',
    from: /^(?!server\/store$)/,
    pkg: /^kysely$/,
  },
  { name: 'shared/ does not import src/server or src/web', from: /^shared$/, to: /^(server|web)(\/|$)/ },
];

const describeImport = (entry: Import) =>
  `src/${entry.file}:${entry.line} imports '${entry.specifier}'${entry.target ? ` (src/${entry.target})` : ''}`;

const allowed = (rule: string, entry: Import) =>
  ALLOWED.some(
    (allow) => allow.rule === rule && allow.file === entry.file && allow.specifier === entry.specifier,
  );

function violationsOf(rule: Rule): string[] {
  return imports
    .filter((entry) => rule.from.test(nodeOf(entry.file)))
    .filter((entry) =>
      entry.target !== undefined
        ? rule.to?.test(nodeOf(entry.target)) === true
        : rule.pkg?.test(packageOf(entry.specifier)) === true,
    )
    .filter((entry) => !allowed(rule.name, entry))
    .map(describeImport);
}

/** Strongly connected components of the node graph (Tarjan): each one larger than a node is a cycle. */
function cycles(edges: Map<string, Set<string>>): string[][] {
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (node: string) => {
    indices.set(node, index);
    low.set(node, index);
    index += 1;
    stack.push(node);
    onStack.add(node);
    for (const next of edges.get(node) ?? []) {
      if (!indices.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node) as number, low.get(next) as number));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node) as number, indices.get(next) as number));
      }
    }
    if (low.get(node) === indices.get(node)) {
      const component: string[] = [];
      let member: string | undefined;
      do {
        member = stack.pop() as string;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1) components.push(component.sort());
    }
  };
  for (const node of [...edges.keys()].sort()) if (!indices.has(node)) visit(node);
  return components;
}

describe('import graph of src/ (layer rules, DESIGN §5–§6)', () => {
  it('sees the whole tree (the scanner finds static, multi-line and dynamic imports)', () => {
    expect(files.length).toBeGreaterThan(100);
    const fromApp = imports
      .filter((entry) => entry.file === 'server/app.ts' || entry.file.startsWith('server/app/'))
      .map((entry) => entry.target);
    expect(fromApp).toContain('server/http/run-routes.ts');
    expect(fromApp).toContain('server/runs/turns.ts');
    // A multi-line import (the braces span lines) resolves too.
    expect(
      imports.some(
        (entry) => entry.file === 'server/runs/run-status.ts' && entry.target === 'server/store/schema.ts',
      ),
    ).toBe(true);
  });

  for (const rule of RULES) {
    it(rule.name, () => {
      const found = violationsOf(rule);
      expect(found, `${rule.name}, but:\n  ${found.join('\n  ')}\n`).toEqual([]);
    });
  }

  it('changes the status of a reply or a run only in runs/run-status.ts (one owner of the state machine)', () => {
    const found: string[] = [];
    for (const [file, code] of codes) {
      if (file === 'server/runs/run-status.ts' || nodeOf(file) === 'server/store') continue;
      // Called through the repositories (`tx.runs.finishRun(`) or imported by name.
      for (const match of code.matchAll(/\b(\w+)\s*\(/g)) {
        const name = match[1] as string;
        if (STATUS_WRITERS.has(name)) found.push(`src/${file}:${lineOf(code, match.index ?? 0)}: ${name}`);
      }
    }
    expect(found, `a status writer is used outside runs/run-status.ts:\n  ${found.join('\n  ')}\n`).toEqual(
      [],
    );
  });

  it('reaches the database only inside store/ (no Kysely handle, no `.db`, no SQL elsewhere)', () => {
    const found: string[] = [];
    for (const [file, code] of codes) {
      if (!file.startsWith('server/') || nodeOf(file) === 'server/store') continue;
      for (const match of code.matchAll(
        /\.db\b(?!['"`])|\.selectFrom\(|\.updateTable\(|\.insertInto\(|\.deleteFrom\(|\bsql`/g,
      )) {
        found.push(`src/${file}:${lineOf(code, match.index ?? 0)}: ${match[0]}`);
      }
    }
    expect(
      found,
      `database access outside store/ (use the repositories):\n  ${found.join('\n  ')}\n`,
    ).toEqual([]);
  });

  it('reads process.env only in src/server/config.ts', () => {
    const found: string[] = [];
    for (const [file, code] of codes) {
      if (file === 'server/config.ts') continue;
      for (const match of code.matchAll(/\bprocess\.env\b/g)) {
        found.push(`src/${file}:${lineOf(code, match.index ?? 0)}`);
      }
    }
    expect(
      found,
      `process.env is read outside config.ts (pass settings in instead):\n  ${found.join('\n  ')}\n`,
    ).toEqual([]);
  });

  it('has no cycle between folders', () => {
    const edges = new Map<string, Set<string>>();
    const examples = new Map<string, Import>();
    for (const entry of imports) {
      if (entry.target === undefined) continue;
      const from = nodeOf(entry.file);
      const to = nodeOf(entry.target);
      if (from === to) continue;
      if (!edges.has(from)) edges.set(from, new Set());
      edges.get(from)?.add(to);
      if (!examples.has(`${from} → ${to}`)) examples.set(`${from} → ${to}`, entry);
    }
    const found = cycles(edges).map((component) => {
      const inside = [...examples.entries()]
        .filter(([key]) => {
          const [from, to] = key.split(' → ') as [string, string];
          return component.includes(from) && component.includes(to);
        })
        .map(([key, entry]) => `${key}: ${describeImport(entry)}`);
      return `${component.join(' ↔ ')}\n    ${inside.join('\n    ')}`;
    });
    expect(
      found,
      `folders import each other (one must depend on the other only):\n  ${found.join('\n  ')}\n`,
    ).toEqual([]);
  });

  it('keeps the allow-list honest: every entry still matches an import', () => {
    const stale = ALLOWED.filter(
      (allow) => !imports.some((entry) => entry.file === allow.file && entry.specifier === allow.specifier),
    );
    expect(stale).toEqual([]);
  });
});
