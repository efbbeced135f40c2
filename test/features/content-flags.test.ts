import { describe, expect, it } from "vitest";
import { contentFlags } from "../../src/features/content.js";

describe("content flags: placeholder", () => {
  it("flags an elided item that kept its header or tags (Dynamic Cheatsheet), not only an all-elision text", () => {
    const dc =
      "<description>\nAdvanced Logarithm System Solving (Reference: Q25, Q28)\n[Previous content preserved...]\n</description>";
    expect(contentFlags(dc).placeholder).toBe(true);
    expect(contentFlags("[Previous memory items about smelting remain unchanged]").placeholder).toBe(true);
    expect(contentFlags("Smelt 3 ore for 3 ingots [see the iron skill].").placeholder).toBe(false);
  });
});
