/**
 * Worker thread of item-hashes.ts: the contentHash of every item of a library file, in line order (blank lines
 * skipped, as the library reader skips them). Posts `{ ok: true, hashes }` (the hex hashes, concatenated) or
 * `{ ok: false }` on anything it cannot read; the main thread then hashes the items itself.
 */
import { parentPort, workerData } from "node:worker_threads";
import { forEachLine } from "../util/lines.js";
import { contentHash } from "./history.js";
import type { LiveItem } from "./io.js";

const { file } = workerData as { file: string };
try {
  const hashes: string[] = [];
  forEachLine(file, (text) => {
    if (text.trim() !== "") hashes.push(contentHash(JSON.parse(text) as LiveItem));
  });
  parentPort!.postMessage({ ok: true, hashes: hashes.join("") });
} catch {
  parentPort!.postMessage({ ok: false });
}
