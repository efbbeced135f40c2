/**
 * The next state of a decision row, for the TD algorithms (see transitions.ts): the same item at the stream's
 * next curation pass. Found from `stream_id`, `item_id` and `pass`, which every collector writes in dataset
 * schemas 1 and 2; a table without them gets none. A leaf module: data.ts reads it.
 */
import { ACTION_INDEX } from "../../actions.js";
import type { Columns } from "../../data/parquet.js";

/** Per row, the row of the same item at the stream's next pass, or −1 (retired, or no later pass logged). */
export function nextRowIndex(d: Columns): Int32Array | undefined {
  const stream = d.stream_id as ArrayLike<number> | undefined;
  const item = d.item_id as ArrayLike<string> | undefined;
  const pass = d.pass as ArrayLike<number> | undefined;
  const action = d.action as ArrayLike<number> | undefined;
  if (!stream || !item || !pass || !action) return undefined;
  const rows = stream.length;
  const at = new Map<string, number>();
  for (let r = 0; r < rows; r++) at.set(`${stream[r]}\u0000${pass[r]}\u0000${item[r]}`, r);
  const next = new Int32Array(rows).fill(-1);
  for (let r = 0; r < rows; r++) {
    if (action[r] === ACTION_INDEX.retire) continue;
    next[r] = at.get(`${stream[r]}\u0000${Number(pass[r]) + 1}\u0000${item[r]}`) ?? -1;
  }
  return next;
}
