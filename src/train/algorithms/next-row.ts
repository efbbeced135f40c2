/**
 * The next state of a decision row, for the TD algorithms (see transitions.ts): the same item at the stream's
 * next curation pass. Found from `stream_id`, `item_id` and `pass`, which every collector writes in dataset
 * schemas 1 and 2; a table without them gets none. A leaf module: data.ts reads it.
 */
import { ACTION_INDEX } from "../../actions.js";
import type { Columns } from "../../data/parquet.js";

/** Per row, the row of the same item at the stream's next pass, or −1 (retired, or no later pass logged). */
export function nextRowIndex(d: Columns): Int32Array | undefined {
  const keys = itemKeys(d);
  const stream = d.stream_id as ArrayLike<number> | undefined;
  const pass = d.pass as ArrayLike<number> | undefined;
  const action = d.action as ArrayLike<number> | undefined;
  if (!keys || !stream || !pass || !action) return undefined;
  return nextRowFromKeys(stream, pass, keys, action);
}

/** Item ids as small integers (the same id, the same integer, across every table `intern` has seen). */
export function itemKeys(d: Columns, intern: Map<string, number> = new Map()): Int32Array | undefined {
  const item = d.item_id as ArrayLike<string> | undefined;
  if (!item) return undefined;
  const out = new Int32Array(item.length);
  for (let r = 0; r < item.length; r++) {
    let k = intern.get(item[r]);
    if (k === undefined) intern.set(item[r], (k = intern.size));
    out[r] = k;
  }
  return out;
}

/** nextRowIndex over integer item keys (rows of any order; each (stream, pass, item) once). */
export function nextRowFromKeys(
  stream: ArrayLike<number>,
  pass: ArrayLike<number>,
  item: ArrayLike<number>,
  action: ArrayLike<number>,
): Int32Array {
  const rows = stream.length;
  const at = new Map<string, number>();
  for (let r = 0; r < rows; r++) at.set(`${stream[r]},${pass[r]},${item[r]}`, r);
  const next = new Int32Array(rows).fill(-1);
  for (let r = 0; r < rows; r++) {
    if (action[r] === ACTION_INDEX.retire) continue;
    next[r] = at.get(`${stream[r]},${Number(pass[r]) + 1},${item[r]}`) ?? -1;
  }
  return next;
}
