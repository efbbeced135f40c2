/**
 * The task stream of a SkillWorld as text: task t of (world, seed) is the task the in-process world draws at
 * step t (family, difficulty, the uniform its success is decided by, the procedure versions then in force),
 * rendered by render.ts. The stream does not depend on the library or on curation (SkillWorld.drawTask), so
 * the harness (which reads only the prompts) and the reference server (which replays the draws) agree on it.
 */
import type { WorldConfig } from "../schemas/world.js";
import { Rng } from "../util/rng.js";
import { SkillWorld } from "./world.js";
import { familyName, procedureKey, renderTask, ticketCode, type RenderedTask } from "./render.js";

export interface TextTask extends RenderedTask {
  difficulty: number;
  u: number;
  /** procedure version of every family at this task */
  versions: Int32Array;
  faded: Uint8Array;
  /** the world's task generator right after the task draw: its next draws decide authoring, as in runTask */
  after: Rng;
  answer: string;
}

export class TextTaskStream {
  private readonly world: SkillWorld;
  private readonly tasks: TextTask[] = [];
  private readonly families = new Map<string, number>();

  constructor(
    readonly cfg: WorldConfig,
    readonly seed: number,
  ) {
    this.world = new SkillWorld(cfg, [], seed);
    for (let f = 0; f < cfg.families; f++) this.families.set(familyName(f), f);
  }

  /** Task t (the stream is extended as far as needed; draws never depend on what was asked before). */
  task(t: number): TextTask {
    while (this.tasks.length <= t) {
      const s = this.tasks.length;
      const rng = new Rng([this.seed, s, 0x7a5c]);
      const { family, difficulty, u } = this.world.drawTask(rng);
      const r = renderTask(this.seed, s, family);
      const versions = this.world.familyVersion.slice();
      const faded = Uint8Array.from(this.world.familyWeight, (_, f) => (this.world.isFaded(f) ? 1 : 0));
      const answer = ticketCode(family, r.input, this.key(family, versions[family]));
      this.tasks.push({ ...r, difficulty, u, versions, faded, after: rng.clone(), answer });
    }
    return this.tasks[t];
  }

  familyOf(name: string): number | undefined {
    return this.families.get(name);
  }

  /** The correct key of a family's procedure at a version. */
  key(family: number, version: number): string {
    return procedureKey(this.seed, family, version);
  }
}
