import { describe, expect, it } from "vitest";
import { shardFromEnv } from "../../src/data/shard-env.js";
import { CuratorError } from "../../src/errors.js";

const refusal = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(CuratorError);
    return (e as Error).message;
  }
  throw new Error("expected a refusal");
};

describe("--shard auto", () => {
  it("takes a Slurm array task's position, minding TASK_MIN and TASK_STEP", () => {
    expect(shardFromEnv("auto", { SLURM_ARRAY_TASK_ID: "3", SLURM_ARRAY_TASK_COUNT: "4" })).toEqual({
      index: 3,
      count: 4,
    });
    expect(
      shardFromEnv("auto", { SLURM_ARRAY_TASK_ID: "5", SLURM_ARRAY_TASK_MIN: "2", SLURM_ARRAY_TASK_COUNT: "4" }),
    ).toEqual({ index: 3, count: 4 });
    expect(
      shardFromEnv("auto", {
        SLURM_ARRAY_TASK_ID: "12",
        SLURM_ARRAY_TASK_MIN: "0",
        SLURM_ARRAY_TASK_STEP: "4",
        SLURM_ARRAY_TASK_COUNT: "4",
      }),
    ).toEqual({ index: 3, count: 4 });
    expect(refusal(() => shardFromEnv("auto", { SLURM_ARRAY_TASK_ID: "7", SLURM_ARRAY_TASK_COUNT: "4" }))).toContain(
      "outside 0..count-1",
    );
  });

  it("takes a Kubernetes completion index with the count from auto/N or CURATOR_SHARD_COUNT", () => {
    expect(shardFromEnv("auto/8", { JOB_COMPLETION_INDEX: "5" })).toEqual({ index: 5, count: 8 });
    expect(shardFromEnv("auto", { JOB_COMPLETION_INDEX: "5", CURATOR_SHARD_COUNT: "6" })).toEqual({
      index: 5,
      count: 6,
    });
    expect(refusal(() => shardFromEnv("auto", { JOB_COMPLETION_INDEX: "5" }))).toContain("--shard auto/N");
  });

  it("names both engines' variables when neither is set", () => {
    const msg = refusal(() => shardFromEnv("auto", {}));
    expect(msg).toContain("SLURM_ARRAY_TASK_ID");
    expect(msg).toContain("JOB_COMPLETION_INDEX");
  });
});
