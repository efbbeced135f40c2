/**
 * Import cycles among src/ modules, from the TypeScript parser (static `import`/`export … from`; a dynamic
 * `import()` is a lazy edge and does not count). Run `npx tsx scripts/import-cycles.ts [--types]` to print the
 * cycles; test/house/import-cycles.test.ts asserts the rules (none between folders, none inside a folder but the
 * allow-listed ones).
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";

export interface ImportGraph {
  /** module path relative to the root (e.g. "collect/collect.ts") → the modules it imports. */
  edges: Map<string, Set<string>>;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return sourceFiles(p);
    return p.endsWith(".ts") && !p.endsWith(".d.ts") ? [p] : [];
  });
}

/** `includeTypes`: count `import type` too (no runtime edge, but still a dependency in the design). */
export function importGraph(root: string, includeTypes = true): ImportGraph {
  const edges = new Map<string, Set<string>>();
  for (const file of sourceFiles(root)) {
    const src = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, false);
    const to = new Set<string>();
    for (const s of src.statements) {
      let spec: ts.Expression | undefined;
      let typeOnly = false;
      if (ts.isImportDeclaration(s)) {
        spec = s.moduleSpecifier;
        const c = s.importClause;
        typeOnly =
          !!c &&
          (c.isTypeOnly ||
            (!c.name &&
              !!c.namedBindings &&
              ts.isNamedImports(c.namedBindings) &&
              c.namedBindings.elements.length > 0 &&
              c.namedBindings.elements.every((e) => e.isTypeOnly)));
      } else if (ts.isExportDeclaration(s) && s.moduleSpecifier) {
        spec = s.moduleSpecifier;
        typeOnly = s.isTypeOnly;
      }
      if (!spec || !ts.isStringLiteral(spec) || !spec.text.startsWith(".")) continue;
      if (typeOnly && !includeTypes) continue;
      to.add(relative(root, resolve(dirname(file), spec.text.replace(/\.js$/, ".ts"))));
    }
    edges.set(relative(root, file), to);
  }
  return { edges };
}

/** Strongly connected components with more than one member (Tarjan), each sorted, as cycles. */
export function cycles(edges: Map<string, Set<string>>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!edges.has(w)) continue;
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) out.push(scc.sort());
    }
  };
  for (const v of [...edges.keys()].sort()) if (!idx.has(v)) visit(v);
  return out.sort((a, b) => a[0].localeCompare(b[0]));
}

/** The folder graph: an edge a → b when a module of folder a imports one of folder b (a ≠ b). */
export function folderEdges(g: ImportGraph): Map<string, Set<string>> {
  // A top-level module (errors.ts, actions.ts, seeds.ts, …) is a leaf of its own, not one "." folder.
  const folder = (m: string) => (m.includes("/") ? m.slice(0, m.indexOf("/")) : m);
  const out = new Map<string, Set<string>>();
  for (const [from, tos] of g.edges) {
    const f = folder(from);
    if (!out.has(f)) out.set(f, new Set());
    for (const t of tos) if (folder(t) !== f) out.get(f)!.add(folder(t));
  }
  return out;
}

/** Who imports whom inside one cycle, for a readable message. */
export function describeCycle(g: ImportGraph, members: string[]): string {
  const set = new Set(members);
  return members.map((m) => `${m} → ${[...(g.edges.get(m) ?? [])].filter((t) => set.has(t)).join(", ")}`).join("\n");
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) {
  const g = importGraph(resolve("src"), process.argv.includes("--types"));
  const fc = cycles(folderEdges(g));
  console.log(`folder cycles: ${fc.length}`);
  for (const c of fc) console.log(`  ${c.join(" ↔ ")}`);
  const mc = cycles(g.edges);
  console.log(`module cycles: ${mc.length}`);
  for (const c of mc) console.log(`${describeCycle(g, c)}\n`);
}
