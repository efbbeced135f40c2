import { describe, expect, it } from "vitest";
import { contentPreview, escapeControl, formatReview } from "../../src/library/review.js";
import type { Decision } from "../../src/runtime/decide.js";

const probs = { keep: 0.7, compress: 0.1, rewrite: 0.1, retire: 0.1 };
const d = (id: string, action: Decision["action"], reason = "r"): Decision => ({
  id,
  action,
  probs,
  allowed: ["keep", "compress", "rewrite", "retire"],
  reason,
});

describe("review table", () => {
  it("prints ids whole (the old table cut them at 28 characters) with a content preview", () => {
    const long = "AIME_2024/claude-3-5-sonnet_Dynamic_Retrieval/sol-q11";
    const text = formatReview([d(long, "retire"), d("b", "keep")], {
      contents: new Map([[long, "Let $O(0,0)$ be\n the   origin and a rather long statement follows"]]),
    });
    expect(text).toContain(long);
    expect(text).toContain("Let $O(0,0)$ be the origin and a rather…");
    expect(text.split("\n")[0]).toMatch(/^item\s+action\s+p\s+content\s+why$/);
  });

  it("escapes newlines, ANSI escapes and bidi overrides in ids, reasons and content (issue 15 point 4)", () => {
    const evil = "x\u001b[31mred\u001b[0m\nfake-row  keep  1.000\u202e";
    const text = formatReview([d(evil, "rewrite", "why\u001b]0;title\u0007")], {
      contents: new Map([[evil, "a\u001b[2Jb\r\n"]]),
    });
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f\u202e]/);
    expect(text.split("\n")).toHaveLength(3);
    expect(text).toContain("x\\x1b[31mred\\x1b[0m\\nfake-row  keep  1.000\\u202e");
    expect(text).toContain("why\\x1b]0;title\\x07");
    expect(contentPreview("a\u001b[2Jb")).toBe("a\\x1b[2Jb");
    expect(escapeControl("tab\there")).toBe("tab\\there");
  });

  it("the changes-only view lists only changes and says how many keeps it hid", () => {
    const rows = [d("k1", "keep"), d("c1", "compress"), d("k2", "keep"), d("r1", "retire")];
    const text = formatReview(rows, { changesOnly: true });
    expect(text).toContain("c1");
    expect(text).toContain("r1");
    expect(text).not.toMatch(/^k\d/m);
    expect(text).toContain("(2 kept item(s) not shown)");
  });
});
