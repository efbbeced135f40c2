import { PROBE, type CompiledTest } from "./probes.js";

/** The file descriptor the sandboxed script writes its probe reports to (stdout and stderr are the code's). */
export const REPORT_FD = 3;

/**
 * The sandboxed script's probe runtime, as JavaScript source. It reports, one JSON line per probe on fd 3,
 * the value an assertion's actual argument evaluated to (encoded as in values.ts) or what it threw. It holds
 * no expected values and decides nothing: code under test may tamper with it freely (see probes.ts).
 */
const RUNTIME = String.raw`
const ${PROBE} = (() => {
  const fs = require("node:fs");
  const send = (o) => { try { fs.writeSync(${REPORT_FD}, JSON.stringify(o) + "\n"); } catch {} };
  const MAX_DEPTH = 32, MAX_ITEMS = 10000;
  let budget = MAX_ITEMS;
  const ctorName = (x) => { try { const p = Object.getPrototypeOf(x); return p === null ? "null" : String((p.constructor && p.constructor.name) || "Object"); } catch { return "?"; } };
  const chain = (x) => { const out = []; try { for (let p = Object.getPrototypeOf(x); p && out.length < 16; p = Object.getPrototypeOf(p)) out.push(String(p.constructor && p.constructor.name)); } catch {} return out; };
  function enc(x, depth, seen) {
    if (--budget < 0) return { $: "cut", why: "too large" };
    switch (typeof x) {
      case "undefined": return { $: "undefined" };
      case "boolean": case "string": return x;
      case "number": return Number.isNaN(x) ? { $: "num", v: "NaN" } : Object.is(x, -0) ? { $: "num", v: "-0" } : Number.isFinite(x) ? x : { $: "num", v: x > 0 ? "Infinity" : "-Infinity" };
      case "bigint": return { $: "bigint", v: String(x) };
      case "symbol": return { $: "symbol", v: String(x.description) };
      case "function": return { $: "function", name: String(x.name) };
    }
    if (x === null) return null;
    if (depth > MAX_DEPTH) return { $: "cut", why: "too deep" };
    if (seen.has(x)) return { $: "cut", why: "cycle" };
    seen.add(x);
    try {
      if (Array.isArray(x)) return Array.from(x, (e) => enc(e, depth + 1, seen));
      if (x instanceof Map) return { $: "map", v: [...x].map(([k, v]) => [enc(k, depth + 1, seen), enc(v, depth + 1, seen)]) };
      if (x instanceof Set) return { $: "set", v: [...x].map((e) => enc(e, depth + 1, seen)) };
      if (x instanceof Date) return { $: "date", v: Number.isNaN(x.getTime()) ? "Invalid Date" : x.toISOString() };
      if (x instanceof RegExp) return { $: "regexp", source: x.source, flags: x.flags };
      if (x instanceof Error) return { $: "error", name: String(x.name), message: String(x.message) };
      return { $: "object", proto: ctorName(x), v: Object.keys(x).map((k) => [k, enc(x[k], depth + 1, seen)]) };
    } catch (e) {
      return { $: "cut", why: "unreadable" };
    } finally {
      seen.delete(x);
    }
  }
  const value = (x) => { budget = MAX_ITEMS; return enc(x, 0, new Set()); };
  const text = (f) => { try { return String(f()).slice(0, 300); } catch { return "?"; } };
  const errInfo = (e) => {
    if (e === null || (typeof e !== "object" && typeof e !== "function")) return { name: "", message: text(() => e), str: text(() => e), chain: [], props: [] };
    let props = [];
    try { props = Object.keys(e).slice(0, 20).map((k) => [k, value(e[k])]); } catch {}
    return { name: text(() => e.name), message: text(() => e.message), str: text(() => String(e)), chain: chain(e), props };
  };
  return {
    value(t, p, f) { try { send({ t, p, v: value(f()) }); } catch (e) { send({ t, p, err: errInfo(e) }); } },
    async valueAsync(t, p, f) { try { send({ t, p, v: value(await f()) }); } catch (e) { send({ t, p, err: errInfo(e) }); } },
    throws(t, p, f) { try { f(); send({ t, p, threw: false }); } catch (e) { send({ t, p, threw: errInfo(e) }); } },
    async rejects(t, p, x) { try { await (typeof x === "function" ? x() : x); send({ t, p, threw: false }); } catch (e) { send({ t, p, threw: errInfo(e) }); } },
    failed(t, e) { send({ t, err: errInfo(e) }); },
  };
})();
`;

/** The sandboxed module: CommonJS shims, the probe runtime, the candidate code, then each test in its own try. */
export function buildProbeModule(code: string, tests: CompiledTest[]): string {
  const wrapped = tests
    .map((t, i) => `try { await (async () => {\n${t.source}\n})(); } catch (e) { ${PROBE}.failed(${i}, e); }`)
    .join("\n");
  return [
    `import { createRequire as __createRequire } from "node:module";`,
    `const require = __createRequire(import.meta.url);`,
    `const module = { exports: {} }; const exports = module.exports;`,
    RUNTIME,
    code,
    `;\n// ---- tests ----`,
    wrapped,
  ].join("\n");
}
