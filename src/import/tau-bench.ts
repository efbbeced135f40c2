/**
 * tau-bench result files: a JSON list of trajectories `{task_id, trial, reward, info, traj}` where `traj`
 * (the messages) and `info` (or its `task` / `reward_info` fields) may be Python-repr strings. PATH is such a
 * file or a folder of them; each file is one library.
 *
 * tau-bench has no learned memory: the context every trajectory carries is the domain policy (the system
 * message). Its paragraphs are the items (kind context), in context for every trajectory that carries that
 * policy; each trajectory is a task event with its reward.
 */
import { CuratorError } from "../errors.js";
import { isRecord, sourceFiles, type ImportContext } from "./context.js";
import { maybeLiteral } from "./literal.js";
import { distinctVersions, emptyParts, outcomeStats, versionId, type ImportParts } from "./types.js";

interface Chunk {
  key: string;
  section: string;
  text: string;
}

const slug = (s: string): string =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "") || "intro";

/** Splits a markdown policy into paragraphs (a bullet with its sub-bullets is one paragraph), keyed by section. */
export function chunkPolicy(policy: string): Chunk[] {
  const out: Chunk[] = [];
  let section = "intro";
  let perSection = 0;
  let buf: string[] = [];
  const flush = (): void => {
    const text = buf.join("\n").trim();
    buf = [];
    if (text) out.push({ key: `${slug(section)}-${++perSection}`, section, text });
  };
  for (const line of policy.split(/\r?\n/)) {
    const h = /^\s*#{1,6}\s+(.*)$/.exec(line);
    if (h) {
      flush();
      section = h[1].trim();
      perSection = 0;
    } else if (line.trim() === "" || /^- /.test(line)) {
      flush();
      if (line.trim()) buf.push(line);
    } else buf.push(line);
  }
  flush();
  return out;
}

interface Trajectory {
  taskIndex: number;
  reward: number | null;
  policy: string | null;
  detail: Record<string, unknown>;
}

function readTrajectories(file: string, ctx: ImportContext): Trajectory[] {
  let raw: unknown = /\.jsonl$/i.test(file) ? ctx.readJsonl(file).map((r) => r.value) : ctx.readJson(file);
  if (isRecord(raw)) raw = Object.values(raw).find(Array.isArray) ?? [raw];
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) {
    ctx.skipped.add("unexpected-shape", `${ctx.rel(file)}: expected a list of trajectories`);
    return [];
  }
  const out: Trajectory[] = [];
  raw.forEach((r, k) => {
    const where = `${ctx.rel(file)}[${k}]`;
    if (!isRecord(r)) return ctx.skipped.add("unexpected-shape", `${where}: not a trajectory record`);
    const rewardRaw = typeof r.reward === "string" ? Number(r.reward) : r.reward;
    const reward = typeof rewardRaw === "number" && Number.isFinite(rewardRaw) ? rewardRaw : null;
    const traj = maybeLiteral(r.traj);
    const info = maybeLiteral(r.info);
    if (!traj.complete || !info.complete)
      ctx.repaired.add(
        "truncated-json",
        `${where}: ${traj.complete ? "info" : "traj"} is a damaged repr; the readable part kept`,
      );
    if (reward === null && !Array.isArray(traj.value))
      return ctx.skipped.add("missing-field", `${where}: neither reward nor traj`);
    const messages = Array.isArray(traj.value) ? traj.value.filter(isRecord) : [];
    const system = messages.find((m) => m.role === "system" && typeof m.content === "string");
    const infoRec = isRecord(info.value) ? info.value : {};
    const task = maybeLiteral(infoRec.task).value;
    const rewardInfo = maybeLiteral(infoRec.reward_info).value;
    const actions =
      isRecord(task) && Array.isArray(task.actions)
        ? task.actions
            .filter(isRecord)
            .map((a) => a.name)
            .filter((n) => typeof n === "string")
        : null;
    const rInfo = isRecord(rewardInfo) && isRecord(rewardInfo.info) ? rewardInfo.info : {};
    out.push({
      taskIndex: out.length,
      reward,
      policy: system ? (system.content as string) : null,
      detail: {
        taskId: r.task_id ?? null,
        trial: r.trial ?? null,
        reward,
        turns: messages.length,
        toolCalls: messages.reduce((a, m) => a + (Array.isArray(m.tool_calls) ? m.tool_calls.length : 0), 0),
        userCost: Number.isFinite(Number(infoRec.user_cost)) ? Number(infoRec.user_cost) : null,
        expectedActions: actions,
        rActions: typeof rInfo.r_actions === "number" ? rInfo.r_actions : null,
        instruction: isRecord(task) && typeof task.instruction === "string" ? task.instruction.slice(0, 160) : null,
      },
    });
  });
  return out;
}

/** A trajectory succeeded when its reward is 1 (up to rounding). */
const solved = (reward: number): boolean => reward >= 1 - 1e-9;

function assemble(library: string, trajs: Trajectory[], parts: ImportParts): void {
  const policies = [...new Set(trajs.map((t) => t.policy).filter((p): p is string => p !== null))];
  const chunked = policies.map(chunkPolicy);
  const versions = distinctVersions(chunked.flatMap((cs) => cs.map((c) => [c.key, c.text] as const)));
  const last = new Map((chunked.at(-1) ?? []).map((c) => [c.key, c.text]));
  const idOf = (key: string, text: string): string =>
    versionId(`${library}/policy/${key}`, versions.get(key)!.indexOf(text), last.get(key) === text);
  const idsOf = (policy: string | null): string[] | null =>
    policy === null ? null : chunked[policies.indexOf(policy)].map((c) => idOf(c.key, c.text));
  const history = policies.length > 1;
  for (const [key, texts] of versions) {
    const section = chunked.flat().find((c) => c.key === key)!.section;
    texts.forEach((text, v) => {
      const id = idOf(key, text);
      const carriers = trajs.filter(
        (t) => t.policy !== null && chunked[policies.indexOf(t.policy)].some((c) => c.key === key && c.text === text),
      );
      const outcomes = carriers.filter((t) => t.reward !== null).map((t) => solved(t.reward!));
      const isFinal = last.get(key) === text;
      parts.items.push({
        id,
        library,
        kind: "context",
        content: text,
        author: "policy",
        tags: [`section:${section}`],
        stats: {
          createdAt: carriers[0]?.taskIndex ?? 0,
          lastRetrievedAt: carriers.at(-1)?.taskIndex ?? null,
          ...outcomeStats(outcomes),
          timesRetrieved: carriers.length,
          rewrites: v,
          compressions: 0,
        },
        meta: { section, policyVersion: v + 1 },
        final: isFinal,
      });
      parts.labels.push({
        id,
        library,
        inFinal: isFinal,
        rewrittenLater: history ? v < texts.length - 1 : null,
        removedLater: history ? !last.has(key) : null,
        uplift: null,
        harmful: null,
        helpful: null,
        deadWeight: null,
        neverUsed: null,
        evidence: { trajectories: carriers.length, successes: outcomes.filter(Boolean).length },
      });
    });
  }
  policies.forEach((p, index) =>
    parts.snapshots.push({
      library,
      index,
      label: `policy version ${index + 1}`,
      taskIndex: trajs.find((t) => t.policy === p)!.taskIndex,
      reconstructed: false,
      itemIds: idsOf(p)!,
      missingItems: 0,
    }),
  );
  for (const t of trajs) {
    parts.events.push({
      library,
      taskIndex: t.taskIndex,
      task: `task ${String(t.detail.taskId)} trial ${String(t.detail.trial)}`,
      outcome: t.reward === null ? "unknown" : solved(t.reward) ? "success" : "failure",
      outcomeBasis: "reward (1 = success)",
      itemIds: idsOf(t.policy),
      detail: t.detail,
    });
  }
}

export function importTauBench(path: string, ctx: ImportContext): ImportParts {
  const files = sourceFiles(path);
  const parts = emptyParts([
    "Items are paragraphs of the domain policy (the system message), kind context, ids <file>/policy/<section>-<n>; each is in context for every trajectory carrying that policy.",
    "Events are trajectories: outcome success when reward is 1. Replay labels are unknown (null): tau-bench never edits its policy.",
  ]);
  let seen = 0;
  for (const f of files) {
    if (!/\.jsonl?$/i.test(f)) {
      ctx.skipped.add("unrecognised-file", ctx.rel(f));
      continue;
    }
    seen++;
    const trajs = readTrajectories(f, ctx);
    if (trajs.length) assemble(ctx.rel(f).replace(/\.jsonl?$/i, ""), trajs, parts); // rel of the import root itself is its file name
  }
  if (seen === 0)
    throw new CuratorError(
      "INVALID_FILE",
      `No tau-bench result files under '${path}': expected *.json lists of {task_id, trial, reward, info, traj}.`,
    );
  return parts;
}
