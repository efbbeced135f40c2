/**
 * Pass-level groups as training data (the dataset's groups table, collect --labels rollout --rollout-groups G):
 * for each decision row, the actions the group members took for its item, and each member's return. A group is
 * one (stream, pass); all decisions of a member share its return (SkillOS's pass-level credit).
 */
import type { Columns } from "../data/parquet.js";
import { reward, type RewardConfig } from "../reward.js";
import { CuratorError } from "../errors.js";

export interface PassGroups {
  /** CSR over decision rows: the entries of row r are start[r] .. start[r + 1] - 1 */
  start: Int32Array;
  /** per entry: the member's action for the row's item, and the member (index into the member arrays) */
  action: Int32Array;
  member: Int32Array;
  /** per member: reward of its return (successes − λ × cost), and its group */
  memberReward: Float64Array;
  memberGroup: Int32Array;
  groups: number;
}

const num = (c: Columns, name: string) => c[name] as ArrayLike<number>;

/** Joins the groups table to the decision rows by (stream_id, pass, item_id). */
export function passGroupsFromColumns(decisions: Columns, groups: Columns, rewardCfg: RewardConfig): PassGroups {
  const rows = (decisions.stream_id as ArrayLike<number>).length;
  const rowOf = new Map<string, number>();
  const dStream = num(decisions, "stream_id");
  const dPass = num(decisions, "pass");
  const dItem = decisions.item_id as string[];
  for (let r = 0; r < rows; r++) rowOf.set(`${dStream[r]}/${dPass[r]}/${dItem[r]}`, r);

  const gStream = num(groups, "stream_id");
  const gPass = num(groups, "pass");
  const gMember = num(groups, "member");
  const gItem = groups.item_id as string[];
  const gAction = num(groups, "action");
  const gSucc = num(groups, "return_successes");
  const gCost = num(groups, "return_cost");
  const n = gStream.length;
  const memberIndex = new Map<string, number>();
  const groupIndex = new Map<string, number>();
  const memberReward: number[] = [];
  const memberGroup: number[] = [];
  const count = new Int32Array(rows + 1);
  const entryRow = new Int32Array(n);
  const entryMember = new Int32Array(n);
  for (let e = 0; e < n; e++) {
    const g = `${gStream[e]}/${gPass[e]}`;
    const r = rowOf.get(`${g}/${gItem[e]}`);
    if (r === undefined)
      throw new CuratorError(
        "INVALID_FILE",
        `The groups table names item '${gItem[e]}' of stream ${gStream[e]}, pass ${gPass[e]}, which has no decision row. The dataset's tables do not belong together: re-collect it.`,
      );
    if (!groupIndex.has(g)) groupIndex.set(g, groupIndex.size);
    const m = `${g}/${gMember[e]}`;
    let k = memberIndex.get(m);
    if (k === undefined) {
      k = memberIndex.size;
      memberIndex.set(m, k);
      memberReward.push(reward(gSucc[e], gCost[e], rewardCfg));
      memberGroup.push(groupIndex.get(g)!);
    }
    entryRow[e] = r;
    entryMember[e] = k;
    count[r + 1]++;
  }
  const start = new Int32Array(rows + 1);
  for (let r = 0; r < rows; r++) start[r + 1] = start[r] + count[r + 1];
  const fill = start.slice(0, rows);
  const action = new Int32Array(n);
  const member = new Int32Array(n);
  for (let e = 0; e < n; e++) {
    const at = fill[entryRow[e]]++;
    action[at] = gAction[e];
    member[at] = entryMember[e];
  }
  return {
    start,
    action,
    member,
    memberReward: Float64Array.from(memberReward),
    memberGroup: Int32Array.from(memberGroup),
    groups: groupIndex.size,
  };
}
