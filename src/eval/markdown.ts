/** Markdown tables shared by the evaluation and replay reports. */

/** One table row; a `|` inside a cell is escaped. */
export function mdRow(cells: string[]): string {
  return `| ${cells.map((c) => c.replace(/\|/g, "\\|")).join(" | ")} |`;
}

/** Header, alignment line (the first `textColumns` columns left-aligned, the rest right-aligned) and rows. */
export function mdTable(head: string[], rows: string[][], textColumns = 1): string[] {
  return [mdRow(head), `|${head.map((_, i) => (i < textColumns ? ":--" : "--:")).join("|")}|`, ...rows.map(mdRow)];
}
