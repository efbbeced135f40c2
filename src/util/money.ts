/** Text for a cost per completed task: dollars, or "no completed task" when nothing succeeded (the ratio is infinite). */
export function costPerCompletedText(usd: number): string {
  return Number.isFinite(usd) ? `$${usd.toFixed(4)}` : "no completed task";
}
