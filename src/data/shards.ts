/**
 * `curator dataset verify|merge`: a folder of shard folders (from `collect --shard i/n` or `--shard auto`) checked
 * as one collection — every shard present and complete, one configuration, one featurizer, disjoint streams,
 * every file's sha256 as recorded — and merged into one dataset whose bytes are those one process collecting
 * the same streams writes (rows in stream order, one manifest for the whole).
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { CuratorError } from "../errors.js";
import {
  DATASET_SCHEMA_VERSION,
  DECISION_COLUMNS,
  GROUP_COLUMNS,
  TASK_COLUMNS,
  type Manifest,
} from "../schemas/dataset.js";
import {
  concatColumns,
  findDatasetFolders,
  MANIFEST_FILE,
  readManifest,
  readTableChecked,
  writeDataset,
  type ManifestDraft,
} from "./dataset.js";
import type { ColumnArray, Columns } from "./parquet.js";

export interface Shard {
  folder: string;
  manifest: Manifest;
  decisions: Columns;
  tasks: Columns;
  /** stream ids in the order the shard holds them (first appearance in its tasks table) */
  streamIds: number[];
}

export interface VerifiedShards {
  shards: Shard[];
  count: number;
  decisions: number;
  tasks: number;
  streams: number;
}

const refuse = (msg: string) => new CuratorError("INVALID_FILE", msg);

/** The collect command with --shard/--resume dropped and --out replaced: what one process would have run. */
export function wholeCommand(command: string, out: string): string {
  const tokens = command.match(/"(?:[^"\\]|\\.)*"|\S+/g) ?? [];
  const kept: string[] = [];
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k];
    if (t === "--shard" || t === "--out") k++;
    else if (!/^--(shard|out)=/.test(t) && !/^--resume(=.*)?$/.test(t)) kept.push(t);
  }
  if (kept.length === 0 || kept[0] !== "curator") return command;
  return [...kept, "--out", /[\s"']/.test(out) ? JSON.stringify(out) : out].join(" ");
}

const canonical = (v: unknown): string =>
  JSON.stringify(v, (_k, x) =>
    x && typeof x === "object" && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort()) : x,
  );

/** Manifest fields every shard of one collection shares (command: with --shard/--out/--resume removed). */
const SHARED: Record<string, (m: Manifest) => string> = {
  datasetSchemaVersion: (m) => String(m.datasetSchemaVersion),
  featurizerVersion: (m) => m.featurizerVersion,
  toolkitVersion: (m) => m.toolkitVersion,
  command: (m) => wholeCommand(m.command, "OUT"),
  world: (m) => canonical(m.world),
  executors: (m) => canonical(m.executors),
  behavior: (m) => canonical(m.behavior),
  labels: (m) => m.labels,
  horizon: (m) => String(m.horizon),
  seed: (m) => String(m.seed),
  tasksPerStream: (m) => String(m.tasksPerStream),
  "shard.count": (m) => String(m.shard.count),
};

function firstAppearance(ids: Int32Array): number[] {
  const seen = new Set<number>();
  const order: number[] = [];
  for (const id of ids) if (!seen.has(id)) (seen.add(id), order.push(id));
  return order;
}

/** Checks `dir` holds one complete, consistent sharded collection; reads (and hash-checks) every file. */
export async function verifyShards(dir: string): Promise<VerifiedShards> {
  const root = resolve(dir);
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    throw new CuratorError(
      "FILE_NOT_FOUND",
      `Dataset folder '${dir}' does not exist. Pass the folder the shards were collected into.`,
    );
  }
  const folders = findDatasetFolders(root);
  if (folders.length === 0) {
    throw new CuratorError(
      "FILE_NOT_FOUND",
      `'${dir}' holds no shard: there is no ${MANIFEST_FILE} in it or its subfolders. Collect with \`curator collect --shard i/n\` or \`--shard auto\` first.`,
    );
  }
  // readManifest refuses a shard from another featurizer or dataset schema, naming its folder.
  const loaded = folders.map((folder) => ({ folder, manifest: readManifest(join(folder, MANIFEST_FILE)).manifest }));
  loaded.sort((a, b) => a.manifest.shard.index - b.manifest.shard.index || (a.folder < b.folder ? -1 : 1));
  const first = loaded[0];
  for (const l of loaded.slice(1)) {
    for (const [field, get] of Object.entries(SHARED)) {
      if (get(l.manifest) !== get(first.manifest)) {
        throw refuse(
          `Shard '${l.folder}' does not belong with shard '${first.folder}': their manifests differ in ${field} ` +
            `(${get(l.manifest).slice(0, 120)} vs ${get(first.manifest).slice(0, 120)}). Remove the stray folder, or ` +
            `re-collect that shard with the same options as the others (only --shard and --out may differ).`,
        );
      }
    }
  }
  const count = first.manifest.shard.count;
  const byIndex = new Map<number, string>();
  for (const l of loaded) {
    const { index } = l.manifest.shard;
    const prev = byIndex.get(index);
    if (prev !== undefined) {
      throw refuse(
        `Shards '${prev}' and '${l.folder}' are both shard ${index}/${count}. Remove the copy, keeping one folder per shard.`,
      );
    }
    byIndex.set(index, l.folder);
  }
  for (let i = 0; i < count; i++) {
    if (byIndex.has(i)) continue;
    const partial = readdirSync(root).find((n) => n.endsWith(".partial") && n.includes(`shard-${i}-of-${count}`));
    throw refuse(
      `Shard ${i}/${count} is missing from '${dir}' (found ${[...byIndex.keys()].sort((a, b) => a - b).join(", ")}).` +
        (partial
          ? ` It started but did not finish ('${join(dir, partial)}'): rerun array index ${i} with the same command and --resume.`
          : ` Collect it with the same command and --shard ${i}/${count} (or rerun array index ${i}).`),
    );
  }
  const shards: Shard[] = [];
  const owner = new Map<number, string>();
  for (const l of loaded) {
    const decisions = await readTableChecked(l.folder, l.manifest, "decisions");
    const tasks = await readTableChecked(l.folder, l.manifest, "tasks");
    const streamIds = firstAppearance(tasks.stream_id as Int32Array);
    for (const id of new Set([...streamIds, ...firstAppearance(decisions.stream_id as Int32Array)])) {
      const prev = owner.get(id);
      if (prev !== undefined) {
        throw refuse(
          `Shards '${prev}' and '${l.folder}' both hold stream ${id}: their streams overlap, so they are not shards of ` +
            `one collection (or one was collected with another --shard count or --first-stream). Re-collect '${l.folder}' ` +
            `with --shard ${l.manifest.shard.index}/${count} and the others' options.`,
        );
      }
      owner.set(id, l.folder);
    }
    if (streamIds.length !== l.manifest.streamSeeds.length) {
      throw refuse(
        `Shard '${l.folder}' holds ${streamIds.length} streams but its manifest records ${l.manifest.streamSeeds.length} ` +
          `stream seeds. Re-collect it with --shard ${l.manifest.shard.index}/${count}.`,
      );
    }
    shards.push({ folder: l.folder, manifest: l.manifest, decisions, tasks, streamIds });
  }
  return {
    shards,
    count,
    decisions: shards.reduce((s, x) => s + x.manifest.rows.decisions, 0),
    tasks: shards.reduce((s, x) => s + x.manifest.rows.tasks, 0),
    streams: owner.size,
  };
}

/** Rows of `columns` in the order of `rows`. */
function takeRows(columns: Columns, rows: Int32Array): Columns {
  const out: Columns = {};
  for (const [name, c] of Object.entries(columns)) {
    if (Array.isArray(c)) {
      out[name] = Array.from(rows, (r) => c[r]);
    } else {
      const t = new (c.constructor as new (n: number) => Exclude<ColumnArray, unknown[]>)(rows.length);
      for (let k = 0; k < rows.length; k++) t[k] = c[rows[k]];
      out[name] = t;
    }
  }
  return out;
}

/** Stable reorder by stream_id: the row order of one process, which runs streams in ascending id. */
function inStreamOrder(columns: Columns): Columns {
  const ids = columns.stream_id as Int32Array;
  const order = Int32Array.from({ length: ids.length }, (_, k) => k).sort((a, b) => ids[a] - ids[b] || a - b);
  return takeRows(columns, order);
}

/** Verifies the shards in `dir` and writes them to `out` as one dataset (atomically). */
export async function mergeShards(dir: string, out: string): Promise<VerifiedShards & { out: string }> {
  const v = await verifyShards(dir);
  if (resolve(out).startsWith(resolve(dir) + "/") || resolve(out) === resolve(dir)) {
    throw new CuratorError(
      "BAD_ARGUMENT",
      `--out '${out}' is inside the shard folder '${dir}'. Write the merged dataset elsewhere.`,
    );
  }
  const seedOf = new Map<number, number>();
  for (const s of v.shards) s.streamIds.forEach((id, k) => seedOf.set(id, s.manifest.streamSeeds[k]));
  const streams = [...seedOf.keys()].sort((a, b) => a - b);
  const decisions = inStreamOrder(
    concatColumns(
      DECISION_COLUMNS,
      v.shards.map((s) => s.decisions),
    ),
  );
  const tasks = inStreamOrder(
    concatColumns(
      TASK_COLUMNS,
      v.shards.map((s) => s.tasks),
    ),
  );
  const { files: _f, rows: _r, ...base } = v.shards[0].manifest;
  const draft: ManifestDraft = {
    ...base,
    datasetSchemaVersion: DATASET_SCHEMA_VERSION,
    command: wholeCommand(base.command, out),
    streams: streams.length,
    shard: { index: 0, count: 1 },
    streamSeeds: streams.map((id) => seedOf.get(id)!),
  };
  // Rollout-labelled shards: their spend adds up, and their pass-level groups travel with them.
  const rollouts = v.shards.map((s) => s.manifest.rollout).filter((r) => r !== undefined);
  if (base.rollout && rollouts.length)
    draft.rollout = {
      ...base.rollout,
      ...Object.fromEntries(
        (["extraTasks", "labelledStates", "labelledDecisions", "groupMembers"] as const).map((k) => [
          k,
          rollouts.reduce((t, r) => t + r[k], 0),
        ]),
      ),
    };
  const grouped = v.shards.filter((s) => s.manifest.rows.groups !== undefined);
  const groups = grouped.length
    ? {
        groups: {
          columns: inStreamOrder(
            concatColumns(
              GROUP_COLUMNS,
              await Promise.all(grouped.map((s) => readTableChecked(s.folder, s.manifest, "groups"))),
            ),
          ),
          rows: grouped.reduce((t, s) => t + s.manifest.rows.groups!, 0),
        },
      }
    : {};
  await writeDataset(out, draft, {
    decisions: { columns: decisions, rows: v.decisions },
    tasks: { columns: tasks, rows: v.tasks },
    ...groups,
  });
  return { ...v, out };
}
