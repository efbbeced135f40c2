/** Pass-level group rows (GROUP_COLUMNS), the same from both collectors. */
import type { PassGroup } from "../labels/label-pass.js";
import type { ColumnsOut } from "./rows.js";

export interface GroupPass {
  streamId: number;
  pass: number;
  step: number;
  itemIds: readonly string[];
  group: PassGroup;
}

export function pushGroupRows(out: ColumnsOut, p: GroupPass): void {
  const size = p.group.actions.length;
  p.group.actions.forEach((actions, g) => {
    const r = p.group.returns[g];
    for (let i = 0; i < p.itemIds.length; i++) {
      out.stream_id.push(p.streamId);
      out.pass.push(p.pass);
      out.step.push(p.step);
      out.member.push(g);
      out.group_size.push(size);
      out.item_id.push(p.itemIds[i]);
      out.action.push(actions[i]);
      out.return_tasks.push(r.tasks);
      out.return_successes.push(r.success);
      out.return_cost.push(r.cost);
    }
  });
}
