/**
 * What every benchmark shares: the result row (the `--json` contract), timing helpers (median of several runs
 * after a warm-up) and progress on stderr. Rates and times are wall clock on one core; a peer runs in the same
 * process invocation, on the same machine, interleaved with ours where it can be, so ratios hold on a noisy box.
 */
import { maxOf } from "../util/arrays.js";

/** One line of `npm run bench -- --json`. `speedup` > 1 means ours is better; null without a peer. */
export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  peer: string | null;
  peerValue: number | null;
  speedup: number | null;
}

/** A result plus what only the table and bench.md show (acceptance, how it was measured). */
export interface BenchRow extends BenchResult {
  /** Acceptance from the issue, e.g. "value ≥ 10000" or "speedup ≥ 0.5"; null when none. */
  target: string | null;
  pass: boolean | null;
  /** How the figure was measured (sizes, runs, caveats), for bench.md. */
  note: string;
}

export interface BenchOptions {
  quick: boolean;
  /** Install missing system peers (Debian python3-torch) with apt-get; never in --quick. */
  install: boolean;
  log: (msg: string) => void;
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Runs `fn` `warmup` times untimed, then `runs` times; returns each timed run's seconds. */
export async function timeRuns(fn: () => unknown, runs: number, warmup = 1): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn();
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    out.push((performance.now() - t0) / 1000);
  }
  return out;
}

/** Seconds per call: `reps` calls per timed run, median over runs (for microsecond-scale work). */
export async function perCall(fn: () => unknown, reps: number, runs: number): Promise<number> {
  const secs = await timeRuns(
    async () => {
      for (let i = 0; i < reps; i++) await fn();
    },
    runs,
    1,
  );
  return median(secs) / reps;
}

/** Higher is better (rates): ours / peer. Lower is better (times): peer / ours. */
export function speedup(ours: number, peer: number | null, higherIsBetter: boolean): number | null {
  if (peer === null || !Number.isFinite(peer) || peer <= 0 || ours <= 0) return null;
  return higherIsBetter ? ours / peer : peer / ours;
}

export function row(r: Omit<BenchRow, "pass"> & { pass?: boolean | null }): BenchRow {
  return { ...r, pass: r.pass ?? null };
}

/** The `--json` form: exactly the six contract fields per benchmark, numbers rounded to 4 significant digits. */
export function toJson(rows: readonly BenchRow[]): { benchmarks: BenchResult[] } {
  return {
    benchmarks: rows.map((r) => ({
      name: r.name,
      value: round4(r.value),
      unit: r.unit,
      peer: r.peer,
      peerValue: r.peerValue === null ? null : round4(r.peerValue),
      speedup: r.speedup === null ? null : round4(r.speedup),
    })),
  };
}

export function round4(x: number): number {
  return Number.isFinite(x) ? Number(x.toPrecision(4)) : x;
}

export function fmt(x: number | null): string {
  if (x === null || !Number.isFinite(x)) return "—";
  const a = Math.abs(x);
  if (a >= 1e6) return `${(x / 1e6).toFixed(2)}M`;
  if (a >= 1e4) return `${Math.round(x / 1e3)}k`;
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  return x.toFixed(2);
}

const HEAD = ["name", "value", "unit", "peer", "peer value", "speedup", "target", "ok"];

function cells(r: BenchRow): string[] {
  return [
    r.name,
    fmt(r.value),
    r.unit,
    r.peer ?? "—",
    fmt(r.peerValue),
    r.speedup === null ? "—" : `${r.speedup.toFixed(2)}x`,
    r.target ?? "—",
    r.pass === null ? "" : r.pass ? "yes" : "NO",
  ];
}

/** The plain-text table `npm run bench` prints. */
export function textTable(rows: readonly BenchRow[]): string {
  const body = rows.map(cells);
  const widths = HEAD.map((h, i) =>
    maxOf(
      body.map((c) => c[i].length),
      h.length,
    ),
  );
  const line = (c: string[]) =>
    c
      .map((s, i) => (i === 0 || i === 2 || i === 3 || i === 6 ? s.padEnd(widths[i]) : s.padStart(widths[i])))
      .join("  ");
  return [line(HEAD), widths.map((w) => "-".repeat(w)).join("  "), ...body.map(line)].join("\n");
}

/** The same table as Markdown, with each row's note. */
export function markdownTable(rows: readonly BenchRow[]): string {
  const head = [...HEAD, "how"];
  const esc = (s: string) => s.replaceAll("|", "\\|");
  return [
    `| ${head.join(" | ")} |`,
    `| ${head.map((_, i) => (i === 0 || i >= 6 ? "---" : "---:")).join(" | ")} |`,
    ...rows.map((r) => `| ${[...cells(r).map((c, i) => (i === 0 ? `\`${c}\`` : c)), r.note].map(esc).join(" | ")} |`),
  ].join("\n");
}

/** Alternates ours and the peer run by run (after `warmup` untimed rounds); returns both lists of seconds. */
export async function interleaved(
  ours: () => unknown,
  peer: () => unknown,
  runs: number,
  warmup = 1,
): Promise<[number[], number[]]> {
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < warmup + runs; i++) {
    for (const [fn, out] of [
      [ours, a],
      [peer, b],
    ] as const) {
      const t0 = performance.now();
      await fn();
      if (i >= warmup) out.push((performance.now() - t0) / 1000);
    }
  }
  return [a, b];
}
