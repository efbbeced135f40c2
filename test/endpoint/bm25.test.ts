import { describe, expect, it } from "vitest";
import { Bm25Index, retrieve, tokenize } from "../../src/executors/endpoint/bm25.js";
import type { LibraryItem } from "../../src/schemas/item.js";

const item = (id: string, content: string, tokens?: number): LibraryItem => ({
  id,
  kind: "context",
  content,
  ...(tokens ? { tokens } : {}),
});

const library = [
  item("generic", "Always think step by step and double check your work before answering any question."),
  item(
    "modular",
    "Modular arithmetic: to find the remainder of a^n mod m use fast exponentiation and Euler's theorem.",
  ),
  item(
    "geometry",
    "For a tetrahedron with equal opposite edges, embed it in a box; the inradius follows from volume and surface area.",
  ),
  item(
    "counting",
    "Counting rectangles in a regular polygon: pair parallel chords by direction, then count pairs of pairs.",
  ),
];

describe("BM25 retrieval", () => {
  it("ranks the relevant item first", () => {
    const q =
      "Find the number of rectangles that can be formed inside a regular dodecagon from sides or diagonals (parallel chords).";
    const r = retrieve(library, q, { budget: 10_000 });
    expect(r.items[0].item.id).toBe("counting");
    const q2 = "Let ABCD be a tetrahedron with AB=CD, AC=BD, BC=AD. Find the inradius.";
    expect(retrieve(library, q2, { budget: 10_000 }).items[0].item.id).toBe("geometry");
    const q3 = "What is the remainder of 7^2024 mod 13?";
    expect(retrieve(library, q3, { budget: 10_000 }).items[0].item.id).toBe("modular");
  });

  it("never retrieves items sharing no term with the task", () => {
    const r = retrieve(library, "tetrahedron inradius", { budget: 10_000 });
    expect(r.items.map((x) => x.item.id)).toEqual(["geometry"]);
  });

  it("cuts the ranked list at the context budget and at k", () => {
    const lib = [item("a", "alpha beta gamma", 50), item("b", "alpha beta", 60), item("c", "alpha", 10)];
    const r = retrieve(lib, "alpha beta gamma", { budget: 100 });
    expect(r.items.map((x) => x.item.id)).toEqual(["a"]);
    expect(r.cut.map((x) => x.item.id)).toEqual(["b", "c"]);
    expect(r.usedTokens).toBe(50);
    expect(retrieve(lib, "alpha beta gamma", { budget: 1000, k: 2 }).items).toHaveLength(2);
    expect(retrieve(lib, "alpha beta gamma", { budget: 10 }).items).toHaveLength(0);
  });

  it("counts tokens from content when an item has no `tokens` field", () => {
    const r = retrieve([item("x", "one two three four five")], "three", { budget: 1000 });
    expect(r.items[0].tokens).toBeGreaterThan(0);
    expect(r.usedTokens).toBe(r.items[0].tokens);
  });

  it("scores rarer terms higher and saturates repeated ones", () => {
    const idx = new Bm25Index(["cat dog", "cat fish", "cat bird"]);
    expect(idx.idf("dog")).toBeGreaterThan(idx.idf("cat"));
    const sat = new Bm25Index(["x y", "x x x x x x x x y", "z"]).scores("x");
    expect(sat[1] / sat[0]).toBeLessThan(2.5);
    expect(tokenize("The Café, naïve-θ 42!")).toEqual(["café", "naïve", "θ", "42"]);
  });
});
