/**
 * Data flows one way (issue 14): no import cycle between folders of src/, none inside a folder except the
 * allow-listed ones, and evaluation / import never reach into collection. Static imports count, `import type`
 * included (a dependency for the reader even though it is erased); a dynamic `import()` is a lazy edge and does not.
 */
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { cycles, describeCycle, folderEdges, importGraph } from "../../scripts/import-cycles.js";

/** Folder cycles allowed, with the reason. */
const FOLDER_ALLOW: Record<string, string> = {
  "features ↔ schemas":
    "type-only on one side: features/observe.ts reads the LibraryItem and ExecutorProfile types, schemas/dataset.ts needs " +
    "FEATURE_NAMES for the decision columns. Ends when the feature names move into a schema module (branch harness-api " +
    "publishes the feature contract).",
  "library ↔ runtime":
    "only through the runtime package's entry (runtime/index.ts), which re-exports library IO and the review table for " +
    "harnesses; no module cycle. Ends when the entry moves to its own top-level module.",
};
/** Module cycles inside a folder allowed, with the reason (none today). */
const MODULE_ALLOW: Record<string, string> = {};

const g = importGraph(resolve("src"));

describe("import graph of src/", () => {
  it("has no cycle between folders but the allow-listed ones", () => {
    const found = cycles(folderEdges(g)).map((c) => c.join(" ↔ "));
    expect(found.filter((c) => !(c in FOLDER_ALLOW))).toEqual([]);
  });

  it("has no cycle between modules but the allow-listed ones", () => {
    const found = cycles(g.edges).filter((c) => !(c.join(" ↔ ") in MODULE_ALLOW));
    expect(found.map((c) => describeCycle(g, c))).toEqual([]);
  });

  it("eval and import do not import collect", () => {
    const bad = [...g.edges].flatMap(([from, tos]) =>
      /^(eval|import)\//.test(from)
        ? [...tos].filter((t) => t.startsWith("collect/")).map((t) => `${from} → ${t}`)
        : [],
    );
    expect(bad).toEqual([]);
  });

  it("the checker finds a cycle when there is one", () => {
    const edges = new Map([
      ["a/x.ts", new Set(["b/y.ts"])],
      ["b/y.ts", new Set(["a/x.ts"])],
      ["c/z.ts", new Set(["a/x.ts"])],
    ]);
    expect(cycles(edges)).toEqual([["a/x.ts", "b/y.ts"]]);
    expect(cycles(folderEdges({ edges })).map((c) => c.join(" ↔ "))).toEqual(["a ↔ b"]);
  });
});
