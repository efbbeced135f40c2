/** The calibration card's shape, a leaf module: the measurement (calibrate.ts) and the reports import it. */
import type { ImportFormat } from "./types.js";
import type { WorldCalibration } from "./calibrate-world.js";
import type { Distribution } from "./calibrate-stats.js";

export interface SourceCalibration {
  format: ImportFormat;
  folder: string;
  origin: string;
  sourceSha256: string;
  libraries: number;
  items: number;
  /** tokens of the items in each library's latest state */
  tokens: Distribution | null;
  /** tokens of every item version ever in a library (what agents wrote over time) */
  tokensAllVersions: Distribution | null;
  /** items added per task (or per question / attempt), where the source knows its tasks */
  growthPerTask: number | null;
  growthBasis: string;
  /** share of live items with at least one near-duplicate (MinHash Jaccard >= threshold) */
  nearDuplicateShare: number | null;
  meanMaxSimilarity: number | null;
  /** share of wrong / harmful items where the source shows it, with what it is */
  wrongShare: number | null;
  wrongBasis: string;
  /** further source-specific measurements */
  extra: Record<string, number | null>;
}

export interface CalibrationCard {
  name: "real-calibration";
  importerVersion: string;
  tokenEncoding: string;
  nearDuplicateThreshold: number;
  sources: SourceCalibration[];
  pooled: { skillTokens: Distribution | null; contextTokens: Distribution | null; nearDuplicateShare: number | null };
  /** SkillWorld's `default` world measured the same way (calibrate-world.ts); added when the card is written */
  skillworld?: WorldCalibration;
}
