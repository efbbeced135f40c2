/** The four curation actions, in the one order used everywhere: model outputs, masks, datasets, reports. */
export const ACTIONS = ["keep", "compress", "rewrite", "retire"] as const;
export type Action = (typeof ACTIONS)[number];
export const NUM_ACTIONS = ACTIONS.length;
export const ACTION_INDEX: Record<Action, number> = { keep: 0, compress: 1, rewrite: 2, retire: 3 };
/** A mask as four 0/1 numbers in ACTIONS order (1 = allowed). */
export type ActionMask = [number, number, number, number];
export const ALL_ALLOWED: ActionMask = [1, 1, 1, 1];
