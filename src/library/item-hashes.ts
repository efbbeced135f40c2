/**
 * The content hashes of a library's items (contentHash), computed on a worker thread while the main thread
 * reads the same file, searches near-duplicates and decides: at a million items that takes seconds of
 * hashing off the critical path of `decide --out`. The worker reads the file by itself; its hashes are used
 * only when the file did not change meanwhile (same size and modification times), it hashed as many items as
 * the main thread read and a sample of them matches hashes computed here. Otherwise (or where workers cannot
 * start, e.g. when running from TypeScript sources) the items are hashed on the main thread: same result.
 */
import { statSync } from "node:fs";
import { Worker } from "node:worker_threads";
import { contentHash } from "./history.js";
import type { LiveItem } from "./io.js";

const HEX = 64;
/** Items of the sample compared with the worker's hashes (spread evenly, first and last included). */
const SAMPLE = 64;

type Reply = { ok: true; hashes: string } | { ok: false };

export class ItemHashes {
  private constructor(
    private readonly file: string,
    private readonly stamp: string | null,
    private readonly worker: Worker | null,
    private readonly reply: Promise<Reply>,
  ) {}

  /** Starts hashing the items of `file` aside. */
  static start(file: string): ItemHashes {
    const stamp = fileStamp(file);
    let worker: Worker | null = null;
    let reply: Promise<Reply> = Promise.resolve({ ok: false });
    // Only a regular file can be read twice: a second reader of a pipe would take lines from the library reader.
    if (stamp !== null)
      try {
        const w = new Worker(new URL("./hash-worker.js", import.meta.url), { workerData: { file } });
        w.unref();
        reply = new Promise<Reply>((resolve) => {
          w.once("message", (m: Reply) => resolve(m));
          w.once("error", () => resolve({ ok: false }));
          w.once("exit", () => resolve({ ok: false }));
        });
        worker = w;
      } catch {
        // No worker (e.g. running from TypeScript sources): the items are hashed on the main thread.
      }
    return new ItemHashes(file, stamp, worker, reply);
  }

  /** contentHash of each of `items` (the file's items as the library reader returned them). */
  async of(items: readonly LiveItem[]): Promise<string[]> {
    const r = await this.reply;
    this.stop();
    if (r.ok && this.stamp !== null && fileStamp(this.file) === this.stamp && r.hashes.length === items.length * HEX) {
      const hashes = items.map((_, i) => r.hashes.slice(i * HEX, (i + 1) * HEX));
      if (sampleRows(items.length).every((i) => hashes[i] === contentHash(items[i]))) return hashes;
    }
    return items.map(contentHash);
  }

  /** Ends the worker (idempotent); call when the hashes will not be asked for. */
  stop(): void {
    void this.worker?.terminate();
  }
}

/** What changes when a regular file is written to; null for anything else. */
function fileStamp(file: string): string | null {
  try {
    const s = statSync(file, { bigint: true });
    if (!s.isFile()) return null;
    return `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
  } catch {
    return null;
  }
}

function sampleRows(n: number): number[] {
  if (n === 0) return [];
  const rows = new Set<number>([n - 1]);
  for (let k = 0; k < SAMPLE; k++) rows.add(Math.floor((k * (n - 1)) / SAMPLE));
  return [...rows];
}
