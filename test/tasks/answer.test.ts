import { describe, expect, it } from "vitest";
import {
  ANSWER_CHECKERS,
  checkerForSource,
  choiceLetter,
  matchEquation,
  matchGame24,
  matchNumeric,
} from "../../src/tasks/answer.js";
import { parseExpression } from "../../src/tasks/expression.js";

describe("answer checkers (each failed under exact string matching)", () => {
  it("numeric: AIME answers in another form are the same number", () => {
    for (const a of ["033", "\\boxed{33}", "$33$", "33.", " 33 "]) expect(matchNumeric(a, "33"), a).toBe(true);
    expect(matchNumeric("1,000", "1000")).toBe(true);
    expect(matchNumeric("34", "33")).toBe(false);
    expect(matchNumeric("No final answer found", "33")).toBe(false);
    expect(ANSWER_CHECKERS.exact.match("", "033", "33")).toBe(false); // the defect
  });

  it("choice: the option letter an answer starts with", () => {
    expect(choiceLetter("(B) 16.9%")).toBe("B");
    expect(choiceLetter("D) somatic hypermutation")).toBe("D");
    expect(choiceLetter("C")).toBe("C");
    expect(choiceLetter("None of the options match.")).toBeNull();
    expect(choiceLetter("a cat")).toBeNull();
    expect(ANSWER_CHECKERS.choice.match("", "(B) 16.9%", "(B)")).toBe(true);
    expect(ANSWER_CHECKERS.choice.match("", "(A) 16.9%", "(B)")).toBe(false);
    expect(ANSWER_CHECKERS.exact.match("", "(B) 16.9%", "(B)")).toBe(false); // the defect
  });

  it("game24: any correct expression, in any spacing or form; never eval", () => {
    const q = "Let's play a game called 24. … Input: 3 3 8 8";
    expect(matchGame24(q, "8 / (3 - 8 / 3)")).toBe(true);
    expect(matchGame24(q, "8/(3-8/3) = 24")).toBe(true);
    expect(matchGame24(q, "8 ÷ (3 − 8 ÷ 3)")).toBe(true);
    expect(matchGame24(q, "8 * 3")).toBe(false); // numbers not all used
    expect(matchGame24(q, "(8 + 8) + 3 + 3")).toBe(false); // 22
    expect(matchGame24(q, "process.exit(1)")).toBe(false);
    expect(parseExpression("require('fs')")).toBeNull();
    expect(ANSWER_CHECKERS.exact.match(q, "8/(3-8/3)", "8 / (3 - 8 / 3)")).toBe(false); // the defect
  });

  it("equation: any true equation with the target's numbers in order", () => {
    expect(matchEquation("2 + 3 * 4 = 14", "2 + 3 * 4 = 14")).toBe(true);
    expect(matchEquation("2+3*4=14", "2 + 3 * 4 = 14")).toBe(true);
    expect(matchEquation("6 / 3 + 1 = 3", "6 - 3 * 1 = 3")).toBe(true); // another operator choice that holds
    expect(matchEquation("6 / 3 + 1 = 4", "6 - 3 * 1 = 3")).toBe(false);
    expect(matchEquation("2 + 3 * 4 = 15", "2 + 3 * 4 = 14")).toBe(false);
  });

  it("each task source declares its checker", () => {
    expect(checkerForSource("AIME_2025", "82")).toBe("numeric");
    expect(checkerForSource("GPQA_Diamond", "(D)")).toBe("choice");
    expect(checkerForSource("GameOf24", "")).toBe("game24");
    expect(checkerForSource("MathEquationBalancer", "1 + 2 = 3")).toBe("equation");
    expect(checkerForSource("other", "(C)")).toBe("choice");
    expect(checkerForSource("other", "Paris")).toBe("exact");
    expect(checkerForSource("other", "042")).toBe("numeric");
  });
});
