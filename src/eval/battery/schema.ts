/**
 * The expert battery's fixture format (test/fixtures/expert-battery.jsonl): one real item per line with the
 * decisions a domain expert would accept for it and the rule that put it in its class. Rows of class
 * `context` are not scored: they are the rest of a live library (e.g. the Voyager skills that call others),
 * kept so that observations and the structural rules see the library as it was.
 */
import { z } from "zod";
import { ACTIONS } from "../../actions.js";
import { LibraryItemSchema } from "../../schemas/item.js";

export const BATTERY_CLASSES = [
  "duplicate-keep",
  "duplicate-retire",
  "placeholder",
  "noop-skill",
  "called-skill",
  "helpful",
  "verbose",
  "context",
] as const;
export type BatteryClass = (typeof BATTERY_CLASSES)[number];

export const BatteryRowSchema = z
  .object({
    class: z.enum(BATTERY_CLASSES),
    accept: z.array(z.enum(ACTIONS)).describe("actions a domain expert accepts; empty for class `context`"),
    rule: z.string().describe("the builder rule that classified the item, with the evidence"),
    source: z.string().describe("import format and library, e.g. voyager:minedojo_trial1"),
    /** The library's task index when observed (observations are taken at this `now`). */
    now: z.number().int().nonnegative(),
    item: LibraryItemSchema,
  })
  .strict();
export type BatteryRow = z.infer<typeof BatteryRowSchema>;
