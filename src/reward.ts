/**
 * The reward, defined once and used by the oracle, counterfactual labels, training algorithms and evaluation:
 *
 *     reward = successes over the next K tasks − λ × cost (USD) over those tasks, including curation calls
 *
 * λ (`costWeight`) is in successes per USD: λ = 10 says a completed task is worth $0.10 of spend. K is the
 * dataset's horizon (collect --horizon, default 2 × curation interval).
 */
import { z } from "zod";

export const RewardConfigSchema = z
  .object({
    costWeight: z
      .number()
      .nonnegative()
      .default(10)
      .describe("λ: successes per USD; how much one dollar of cost is worth"),
  })
  .strict();
export type RewardConfig = z.infer<typeof RewardConfigSchema>;
export const DEFAULT_REWARD: RewardConfig = RewardConfigSchema.parse({});

export function reward(successes: number, cost: number, cfg: RewardConfig = DEFAULT_REWARD): number {
  return successes - cfg.costWeight * cost;
}
