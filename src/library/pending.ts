/**
 * `curator apply-pending`: applies the compress / rewrite marks `curator decide` left on a decide output
 * folder's live items, through an LLM endpoint profile (the endpoint harness's own prompts and reply parsing,
 * via applyCuration), records each application in the folder's audit log and clears the mark. A call that fails
 * or whose reply is unusable leaves its item and mark as they were (reported, not recorded). The folder is
 * rewritten all at once, under its lock, after the audit chain verifies.
 *
 * Every audit record this command writes is built in `applicationRecord` below: the one place to adapt when the
 * audit line format changes.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { CuratorError } from "../errors.js";
import { AUDIT_FILE, chainRecords, type AuditRecord } from "../governance/audit.js";
import { EndpointClient } from "../executors/endpoint/client.js";
import { applyCuration, type ChatClient, type CurationCall } from "../executors/endpoint/curation.js";
import {
  DEFAULT_PRICES,
  readEndpointProfile,
  rewriterBlock,
  type EndpointProfile,
} from "../executors/endpoint/profile.js";
import {
  ARCHIVE_FILE,
  LIBRARY_FILE,
  checkOutputFolder,
  openFolder,
  resolveFolder,
  withFolderLock,
  writeFolder,
} from "./folder.js";
import { contentHash } from "./history.js";
import { GOVERNANCE_FILE, readLibraryFile, type LiveItem } from "./io.js";

export interface ApplyPendingOptions {
  /** a folder written by `curator decide --out` */
  from: string;
  /** endpoint profile (file path or parsed); its `rewriter` block runs the calls when present */
  profile: string | EndpointProfile;
  /** only these item ids (default: every pending item) */
  only?: readonly string[];
  /** share of tokens a compression aims to keep (default 0.4, as in endpoint collection) */
  compressRatio?: number;
  /** a client to use instead of one built from the profile (tests) */
  client?: ChatClient;
  clock?: () => Date;
}

export interface ApplyPendingSummary {
  from: string;
  endpoint: string;
  pending: number;
  applied: { id: string; action: "compress" | "rewrite"; tokensBefore: number; tokensAfter: number }[];
  failed: { id: string; action: "compress" | "rewrite"; error: string }[];
  /** USD of the calls at the profile's prices */
  cost: number;
  auditLines: number;
}

const sha256 = (s: string): string => createHash("sha256").update(s).digest("hex");

/** The audit record of one applied mark (see the module comment). */
export function applicationRecord(
  time: string,
  call: CurationCall,
  before: LiveItem,
  after: LiveItem,
  endpoint: string,
): AuditRecord {
  return {
    time,
    itemId: call.itemId,
    action: call.action,
    probs: null,
    allowed: null,
    reason: `applied pending ${call.action} through ${endpoint}: ${call.tokensBefore} → ${call.tokensAfter} tokens; content sha256 ${sha256(before.content).slice(0, 12)} → ${sha256(after.content).slice(0, 12)}`,
    modelHash: null,
    curator: `apply-pending:${endpoint}`,
    // Not a decision of a pass: it spends no change budget, and the changed content is new evidence for the next pass.
    window: null,
    itemHash: contentHash(after),
    where: "live",
  };
}

export async function applyPending(o: ApplyPendingOptions): Promise<ApplyPendingSummary> {
  const dir = resolveFolder(o.from, "--from");
  if (checkOutputFolder(dir) !== "decide")
    throw new CuratorError(
      "FILE_NOT_FOUND",
      `'${resolve(dir)}' is not a decide output folder (needs ${LIBRARY_FILE} and ${ARCHIVE_FILE}). Point --from at the folder 'curator decide --out' wrote.`,
    );
  const profile = typeof o.profile === "string" ? readEndpointProfile(o.profile) : o.profile;
  const block = rewriterBlock(profile);
  const endpoint = `${block.model}@${block.baseUrl}`;
  return withFolderLock(dir, async () => {
    const state = openFolder(dir, { checkLive: true });
    const live = readLibraryFile(join(dir, LIBRARY_FILE));
    if (o.only) {
      const missing = o.only.filter((id) => !live.some((it) => it.id === id && it.pending));
      if (missing.length > 0)
        throw new CuratorError(
          "BAD_ARGUMENT",
          `No pending item with id ${missing
            .slice(0, 5)
            .map((m) => `'${m}'`)
            .join(", ")} in ${join(dir, LIBRARY_FILE)}. Nothing was changed.`,
        );
    }
    const wanted = live.filter((it) => it.pending && (!o.only || o.only.includes(it.id)));
    const summary: ApplyPendingSummary = {
      from: dir,
      endpoint,
      pending: wanted.length,
      applied: [],
      failed: [],
      cost: 0,
      auditLines: state.head.lines,
    };
    if (wanted.length === 0) return summary;

    let client = o.client;
    if (!client) {
      const c = new EndpointClient(block, { seed: 0 });
      await c.probe(); // an unreachable server or unknown model is one clear error before anything changes
      client = c;
    }
    const res = await applyCuration(
      { live: wanted, archive: [] },
      wanted.map((it) => ({ itemId: it.id, action: it.pending! })),
      client,
      { step: 0, prices: profile.prices ?? DEFAULT_PRICES, compressRatio: o.compressRatio },
    );
    const time = (o.clock ?? (() => new Date()))().toISOString();
    const after = new Map(res.live.map((it) => [it.id, it]));
    const before = new Map(wanted.map((it) => [it.id, it]));
    const records: AuditRecord[] = [];
    const done = new Map<string, LiveItem>();
    for (const call of res.calls) {
      if (!call.ok) {
        summary.failed.push({ id: call.itemId, action: call.action, error: call.error ?? "unusable reply" });
        continue;
      }
      const { pending: _cleared, ...applied } = after.get(call.itemId)! as LiveItem;
      done.set(call.itemId, applied);
      records.push(applicationRecord(time, call, before.get(call.itemId)!, applied, endpoint));
      summary.applied.push({
        id: call.itemId,
        action: call.action,
        tokensBefore: call.tokensBefore,
        tokensAfter: call.tokensAfter,
      });
    }
    summary.cost = res.cost;
    if (records.length === 0) return summary;
    const { text, head } = chainRecords(state.head, records);
    const governance = join(dir, GOVERNANCE_FILE);
    await writeFolder(dir, {
      live: live.map((it) => done.get(it.id) ?? it),
      archive: { copyFrom: join(dir, ARCHIVE_FILE), append: [] },
      audit: { copyFrom: join(dir, AUDIT_FILE), append: text },
      head,
      governance: existsSync(governance) ? readFileSync(governance, "utf8") : null,
    });
    summary.auditLines = head.lines;
    return summary;
  });
}
