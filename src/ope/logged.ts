/**
 * A trace dataset as off-policy evaluation reads it: the decisions with their behaviour propensities, grouped
 * into passes (the rows one curation pass decided together: the unit of the estimand, and the change cap couples
 * them), each pass with its reward per task over the horizon (reward.ts) and the stream's next pass (for FQE).
 */
import { ACTIONS, NUM_ACTIONS } from "../actions.js";
import { readDataset, tableSources } from "../data/dataset.js";
import { trainDataFromColumns } from "../train/data.js";
import { GovernanceSchema, type Governance } from "../schemas/world.js";
import { reward, type RewardConfig } from "../reward.js";
import { CuratorError } from "../errors.js";
import type { Columns } from "../data/parquet.js";

export const PROPENSITY_COLUMNS = ["propensity", ...ACTIONS.map((a) => `propensity_${a}`)] as const;

export interface LoggedData {
  rows: number;
  /** rows × NUM_FEATURES raw features */
  features: Float32Array;
  /** rows × 4: what a target curator may choose (allowed by governance: logged as allowed or reachable by the behaviour) */
  masks: Float32Array;
  action: Int32Array;
  /** behaviour probability of the logged action, and rows × 4 of every action (change cap included) */
  propensity: Float64Array;
  propensities: Float64Array;
  streamId: Int32Array;
  /** row ranges [start, end) of each curation pass, in row order */
  passes: Array<[number, number]>;
  /** per pass: the reward per task over its horizon (reward.ts over horizon_successes, horizon_cost, horizon_tasks) */
  passReward: Float64Array;
  /** per pass: the next pass of the same stream, or -1 (the stream's last pass) */
  passNext: Int32Array;
  governance: Governance;
  /** dataset identity for the report */
  hash: string;
  behavior: { curator: string; epsilon: number };
  folders: string[];
}

/** Loads `dir` and refuses it when it lacks the propensity columns or holds rows without a usable propensity. */
export async function loadLogged(dir: string, rewardCfg: RewardConfig): Promise<LoggedData> {
  const d = await readDataset(dir);
  const c = d.decisions;
  const missing = PROPENSITY_COLUMNS.filter((n) => c[n] === undefined);
  if (missing.length > 0) {
    const file = tableSources(d, "decisions")[0]?.path ?? dir;
    throw new CuratorError(
      "INVALID_FILE",
      `Dataset '${dir}' has no behaviour propensities: '${file}' lacks column '${missing[0]}'` +
        `${missing.length > 1 ? ` (and ${missing.slice(1).join(", ")})` : ""}, which off-policy evaluation needs. ` +
        `It was collected before propensities were logged. Re-collect it with this toolkit (\`curator collect\`, ` +
        `same options) and run 'curator ope' on the new dataset.`,
    );
  }
  const t = trainDataFromColumns(c, rewardCfg);
  const rows = t.rows;
  const propensity = Float64Array.from(c.propensity as Float64Array);
  const propensities = new Float64Array(rows * NUM_ACTIONS);
  ACTIONS.forEach((a, k) => {
    const col = c[`propensity_${a}`] as Float64Array;
    for (let r = 0; r < rows; r++) propensities[r * NUM_ACTIONS + k] = col[r];
  });
  for (let r = 0; r < rows; r++) {
    if (!(propensity[r] > 0) || !Number.isFinite(propensity[r])) {
      const at = locate(d, r);
      throw new CuratorError(
        "INVALID_FILE",
        `Dataset '${dir}': decision row ${at.row + 1} of '${at.file}' has propensity ${propensity[r]}, but the ` +
          `logged action must have a positive behaviour probability. Re-collect the dataset with this toolkit ` +
          `(\`curator collect\`); a harness that writes its own logs must record the behaviour probability of each action.`,
      );
    }
  }
  const masks = new Float32Array(rows * NUM_ACTIONS);
  for (let i = 0; i < rows * NUM_ACTIONS; i++) masks[i] = t.masks[i] > 0 || propensities[i] > 0 ? 1 : 0;
  const world = d.manifests[0].world as { governance?: unknown };
  const passes = passRanges(c);
  return {
    rows,
    features: t.features,
    masks,
    action: t.action,
    propensity,
    propensities,
    streamId: t.streamId,
    passes,
    passReward: passRewards(c, passes, rewardCfg),
    passNext: Int32Array.from(passes, (p, k) =>
      k + 1 < passes.length && t.streamId[passes[k + 1][0]] === t.streamId[p[0]] ? k + 1 : -1,
    ),
    governance: GovernanceSchema.parse(world.governance ?? {}),
    hash: d.hash,
    behavior: d.manifests[0].behavior,
    folders: d.folders,
  };
}

function locate(d: Awaited<ReturnType<typeof readDataset>>, row: number): { file: string; row: number } {
  for (const s of tableSources(d, "decisions")) {
    if (row < s.rows) return { file: s.path, row };
    row -= s.rows;
  }
  return { file: "?", row };
}

/** Consecutive rows with the same (stream_id, pass) form one pass. */
function passRanges(c: Columns): Array<[number, number]> {
  const stream = c.stream_id as Int32Array;
  const pass = c.pass as Int32Array;
  const out: Array<[number, number]> = [];
  let start = 0;
  for (let r = 1; r <= stream.length; r++) {
    if (r === stream.length || stream[r] !== stream[start] || pass[r] !== pass[start]) {
      out.push([start, r]);
      start = r;
    }
  }
  return out;
}

/** The pass's reward per task over its horizon: every row of a pass holds the same horizon columns. */
function passRewards(c: Columns, passes: ReadonlyArray<[number, number]>, cfg: RewardConfig): Float64Array {
  const succ = c.horizon_successes as Int32Array;
  const cost = c.horizon_cost as Float64Array;
  const tasks = c.horizon_tasks as Int32Array;
  return Float64Array.from(passes, ([r]) => (tasks[r] > 0 ? reward(succ[r], cost[r], cfg) / tasks[r] : 0));
}
