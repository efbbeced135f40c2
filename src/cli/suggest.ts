/** "did you mean …?" for a mistyped flag or command: the closest known name within a small edit distance. */
export function closest(word: string, known: readonly string[]): string | undefined {
  const w = word.replace(/^-+/, "").toLowerCase();
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of known) {
    const d = distance(w, k.toLowerCase());
    if (d < bestD) [best, bestD] = [k, d];
  }
  return best !== undefined && bestD <= Math.max(1, Math.floor(w.length / 3)) ? best : undefined;
}

/** Levenshtein distance, with a swap of two neighbours costing one (Damerau's transposition). */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[a.length][b.length];
}

/** The unknown flags yargs names in "Unknown argument(s): a, b", each with a suggestion when one is close. */
export function suggestFlags(message: string, known: readonly string[]): string[] {
  const m = /^Unknown arguments?: (.+)$/.exec(message);
  if (!m) return [];
  return m[1].split(", ").flatMap((u) => {
    const s = closest(
      u,
      known.filter((k) => k.length > 1),
    );
    return s ? [`--${u.replace(/^-+/, "")}: did you mean --${s}?`] : [];
  });
}
