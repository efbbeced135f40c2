import { describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { loadTasks } from "../../src/tasks/load.js";
import { checkAnswer, extractCode } from "../../src/tasks/check.js";
import { extractFinalAnswer, matchChoice, matchExact } from "../../src/tasks/answer.js";
import { isCuratorError } from "../../src/errors.js";
import type { CodeTask } from "../../src/tasks/task.js";

const DC = resolve(__dirname, "../../../shared/data/real/dynamic_cheatsheet");
const final = (a: string) => `Some reasoning.\nFINAL ANSWER:\n<answer>\n${a}\n</answer>`;

function errorOf(f: () => unknown): Error & { code?: string } {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected an error");
}

describe("dynamic-cheatsheet loader", () => {
  it("reads a run's questions and targets in their original order", () => {
    const tasks = loadTasks(`dynamic-cheatsheet:${DC}/slim/AIME_2024/gpt-4o_Baseline.jsonl`);
    const rows = readFileSync(`${DC}/slim/AIME_2024/gpt-4o_Baseline.jsonl`, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(tasks).toHaveLength(30);
    expect(tasks.map((t) => t.id)).toEqual(rows.map((r) => `AIME_2024/${r.idx}`));
    expect(tasks[0]).toMatchObject({ kind: "answer", answer: "315", check: "numeric", source: "AIME_2024" });
    expect(tasks[0].prompt.startsWith(rows[0].raw_input)).toBe(true);
  });

  it("accepts a benchmark folder and the raw run format; GPQA targets are multiple choice", () => {
    const fromDir = loadTasks(`dynamic-cheatsheet:${DC}/slim/AIME_2024`);
    const raw = loadTasks(`dynamic-cheatsheet:${DC}/raw/AIME_2024__gpt-4o_DynamicCheatsheet_Cumulative.jsonl`);
    expect(raw.map((t) => t.kind === "answer" && t.answer)).toEqual(
      fromDir.map((t) => t.kind === "answer" && t.answer),
    );
    expect(raw[0].id).toBe("AIME_2024/0");
    const gpqa = loadTasks(`dynamic-cheatsheet:${DC}/slim/GPQA_Diamond`);
    expect(gpqa).toHaveLength(198);
    expect(gpqa.every((t) => t.kind === "answer" && t.check === "choice")).toBe(true);
  });

  it("scores the recorded answers of real runs by normalised exact match", async () => {
    for (const bench of ["AIME_2024", "AIME_2025", "GPQA_Diamond"]) {
      const file = `${DC}/slim/${bench}/gpt-4o_Baseline.jsonl`;
      const tasks = loadTasks(`dynamic-cheatsheet:${file}`);
      const rows = readFileSync(file, "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l));
      let correct = 0;
      for (let i = 0; i < rows.length; i++) {
        const r = await checkAnswer(tasks[i], final(rows[i].final_answer));
        if (rows[i].final_answer.trim() === rows[i].target.trim()) expect(r.success).toBe(true);
        if (r.success) correct++;
      }
      expect(correct).toBeGreaterThan(0);
      expect(correct).toBeLessThan(rows.length);
    }
  });

  it("reproduces the accuracies Dynamic Cheatsheet reports for recorded runs", async () => {
    const acc = async (rel: string) => {
      const file = `${DC}/slim/${rel}`;
      const tasks = loadTasks(`dynamic-cheatsheet:${file}`);
      const rows = readFileSync(file, "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l));
      let c = 0;
      for (let i = 0; i < rows.length; i++) if ((await checkAnswer(tasks[i], final(rows[i].final_answer))).success) c++;
      return c;
    };
    expect(await acc("AIME_2024/gpt-4o_Baseline.jsonl")).toBe(6); // 20.0%
    expect(await acc("AIME_2024/claude-3-5-sonnet_DynamicCheatsheet_Cumulative.jsonl")).toBe(15); // 50.0%
    expect(await acc("GPQA_Diamond/gpt-4o_Baseline.jsonl")).toBe(113); // 57.1%
  });

  it("refuses a missing path and an unknown scheme clearly", () => {
    expect(errorOf(() => loadTasks("dynamic-cheatsheet:/nope/x.jsonl")).code).toBe("FILE_NOT_FOUND");
    const e = errorOf(() => loadTasks("csv:/tmp/x.csv"));
    expect(e.code).toBe("BAD_ARGUMENT");
    expect(e.message).toContain("jsonl:PATH");
  });
});

describe("jsonl loader", () => {
  const dir = mkdtempSync(join(tmpdir(), "curator-tasks-"));

  it("reads answer and code tasks", () => {
    const p = join(dir, "ok.jsonl");
    writeFileSync(
      p,
      [
        JSON.stringify({ id: "a1", prompt: "2+2?", answer: 4 }),
        "",
        JSON.stringify({ id: 2, prompt: "pick", answer: "(B)", check: "choice" }),
        JSON.stringify({ id: "c1", prompt: "write add", tests: ["assert.equal(add(1, 2), 3)"] }),
      ].join("\n"),
    );
    const t = loadTasks(`jsonl:${p}`);
    expect(t.map((x) => x.id)).toEqual(["a1", "2", "c1"]);
    expect(t[0]).toMatchObject({ kind: "answer", answer: "4", check: "exact" });
    expect(t[2]).toMatchObject({ kind: "code", tests: ["assert.equal(add(1, 2), 3)"] });
  });

  it("reports every bad line by number", () => {
    const p = join(dir, "bad.jsonl");
    writeFileSync(
      p,
      [
        JSON.stringify({ id: "ok", prompt: "p", answer: "x" }),
        "{not json",
        JSON.stringify({ id: "n", prompt: "p" }),
        JSON.stringify({ id: "u", prompt: "p", answer: "x", anwser: "typo" }),
        JSON.stringify({ id: "ok", prompt: "p", answer: "y" }),
        JSON.stringify({ id: "t", prompt: "p", tests: [] }),
      ].join("\n"),
    );
    const e = errorOf(() => loadTasks(`jsonl:${p}`));
    expect(e.code).toBe("INVALID_FILE");
    expect(e.message).toContain("has 5 bad line(s)");
    expect(e.message).toMatch(/line 2: not valid JSON/);
    expect(e.message).toMatch(/line 3: give exactly one of "answer" or "tests"/);
    expect(e.message).toMatch(/line 4: unknown field\(s\) "anwser"/);
    expect(e.message).toMatch(/line 5: id "ok" repeats line 1/);
    expect(e.message).toMatch(/line 6: "tests" must be/);
  });
});

describe("answer checking (Dynamic Cheatsheet rules)", () => {
  it("extracts the last <answer> block, else what follows FINAL ANSWER", () => {
    expect(extractFinalAnswer("x <answer>1</answer> then <answer> 42 </answer>")).toBe("42");
    expect(extractFinalAnswer("FINAL ANSWER: ```\n17\n```")).toBe("17");
    expect(extractFinalAnswer("FINAL ANSWER: 17")).toBe("17");
    expect(extractFinalAnswer("  315 ")).toBe("315");
  });

  it("normalises case, punctuation and newlines, and matches options by letter or text", () => {
    expect(matchExact("315.", "315")).toBe(true);
    expect(matchExact("Paris", "paris")).toBe(true);
    expect(matchExact("3 15", "315")).toBe(false);
    const q = "Which?\nOptions:\n(A) red\n(B) blue light\n(C) green";
    expect(matchChoice(q, "(B)", "(B)")).toBe(true);
    expect(matchChoice(q, "B", "(B)")).toBe(true);
    expect(matchChoice(q, "The answer is B", "(B)")).toBe(true);
    expect(matchChoice(q, "blue light", "(B)")).toBe(true);
    expect(matchChoice(q, "(C)", "(B)")).toBe(false);
  });
});

describe("code tasks run in a child process", () => {
  const task = (tests: string[]): CodeTask => ({ kind: "code", id: "c", prompt: "p", tests });
  const reply = (code: string) => `Here you go:\n\`\`\`javascript\n${code}\n\`\`\`\n`;

  it("passes correct code and fails wrong code, naming the failing test", async () => {
    const t = task(["assert.equal(add(1, 2), 3)", "assert.equal(add(-1, 1), 0)"]);
    const ok = await checkAnswer(t, reply("function add(a, b) { return a + b; }"));
    expect(ok).toMatchObject({ success: true, detail: "2/2 tests passed" });
    const bad = await checkAnswer(t, reply("const add = (a, b) => a - b;"));
    expect(bad.success).toBe(false);
    expect(bad.detail).toMatch(/^0\/2 tests passed; test 1:/);
  });

  it("kills an infinite loop at the time limit", async () => {
    const t0 = Date.now();
    const r = await checkAnswer(task(["assert.equal(f(), 1)"]), reply("function f() { while (true) {} }"), {
      timeoutMs: 500,
    });
    expect(r.success).toBe(false);
    expect(r.detail).toMatch(/killed after/);
    expect(Date.now() - t0).toBeLessThan(3000);
  });

  it("stops a memory bomb at the heap limit", async () => {
    const r = await checkAnswer(
      task(["assert.ok(true)"]),
      reply("const xs = []; while (true) xs.push(new Array(1e5).fill(Math.random()));"),
      { timeoutMs: 10_000, maxOldSpaceMb: 32 },
    );
    expect(r.success).toBe(false);
    expect(r.detail).toMatch(/out of memory/);
  });

  it("cannot see the toolkit's environment, read files or spawn processes", async () => {
    process.env.CURATOR_SANDBOX_SECRET = "leak-me";
    const r = await checkAnswer(
      task([
        "assert.equal(process.env.CURATOR_SANDBOX_SECRET, undefined)",
        "assert.throws(() => require('node:fs').readFileSync('/etc/hostname'))",
        "assert.throws(() => require('node:child_process').execSync('echo hi'))",
        "assert.notEqual(process.pid, " + process.pid + ")",
      ]),
      reply("export const nothing = 1;"),
    );
    delete process.env.CURATOR_SANDBOX_SECRET;
    expect(r).toMatchObject({ success: true, detail: "4/4 tests passed" });
  });

  it("extracts the JavaScript block from a reply", () => {
    expect(extractCode("```python\nx=1\n```\n```js\nlet y = 2;\n```")).toBe("let y = 2;");
    expect(extractCode("```\nlet z = 3;\n```")).toBe("let z = 3;");
  });
});

describe("errors are CuratorErrors", () => {
  it("for a missing jsonl file", () => {
    const e = errorOf(() => loadTasks("jsonl:/definitely/missing.jsonl"));
    expect(isCuratorError(e)).toBe(true);
  });
});
