/**
 * The ONNX metadata_props of a curator model: what a harness in any language needs to feed it and to trust it.
 * Values are strings (ONNX's format); lists and objects are JSON.
 */
import { z } from "zod";
import type { ModelCard } from "../schemas/card.js";
import { CuratorError, describeZodIssues } from "../errors.js";
import { CONTRACT_VERSION, PRODUCER_NAME } from "./policy.js";

/** Keys a reader refuses to go without (DESIGN.md "Model contract" plus the contract version). */
export const REQUIRED_METADATA_KEYS = [
  "curator_contract_version",
  "feature_names",
  "action_names",
  "featurizer_version",
  "dataset_hash",
  "algorithm",
  "seed",
  "toolkit_version",
] as const;
/** Every key written, in the order written: the required ones, then provenance. */
export const METADATA_KEYS = [
  ...REQUIRED_METADATA_KEYS,
  "git_commit",
  "architecture",
  "executors",
  "created_by",
] as const;
export type MetadataKey = (typeof METADATA_KEYS)[number];

const jsonText = <T extends z.ZodType>(inner: T) =>
  z
    .string()
    .transform((s, ctx) => {
      try {
        return JSON.parse(s) as unknown;
      } catch {
        ctx.addIssue({ code: "custom", message: "is not valid JSON" });
        return z.NEVER;
      }
    })
    .pipe(inner);

const MetadataSchema = z.object({
  curator_contract_version: z.string().regex(/^\d+$/, "must be an integer").transform(Number),
  feature_names: jsonText(z.array(z.string()).min(1)),
  action_names: jsonText(z.array(z.string())),
  featurizer_version: z.string().min(1),
  dataset_hash: z.string(),
  algorithm: z.string().min(1),
  seed: z
    .string()
    .regex(/^-?\d+$/, "must be an integer")
    .transform(Number),
  toolkit_version: z.string().min(1),
  git_commit: z.string().optional(),
  architecture: jsonText(
    z.object({ hidden: z.array(z.number().int().positive()), activation: z.string(), dropout: z.number() }),
  ).optional(),
  executors: jsonText(z.array(z.string())).optional(),
  created_by: z.string().optional(),
});

/** Parsed metadata, with camelCase names. */
export interface CuratorMetadata {
  contractVersion: number;
  featureNames: string[];
  actionNames: string[];
  featurizerVersion: string;
  datasetHash: string;
  algorithm: string;
  seed: number;
  toolkitVersion: string;
  gitCommit?: string;
  architecture?: { hidden: number[]; activation: string; dropout: number };
  executors?: string[];
  createdBy?: string;
}

export function metadataFromCard(card: ModelCard): Record<MetadataKey, string> {
  return {
    curator_contract_version: String(CONTRACT_VERSION),
    feature_names: JSON.stringify(card.featureNames),
    action_names: JSON.stringify(card.actionNames),
    featurizer_version: card.featurizerVersion,
    dataset_hash: card.dataset.manifestHash,
    algorithm: card.algorithm,
    seed: String(card.seed),
    toolkit_version: card.toolkitVersion,
    git_commit: card.gitCommit,
    architecture: JSON.stringify(card.architecture),
    executors: JSON.stringify(card.executors),
    created_by: PRODUCER_NAME,
  };
}

/** Validates raw metadata_props; `file` names the model in errors. Reports every missing key at once. */
export function parseMetadata(raw: Record<string, string>, file: string): CuratorMetadata {
  const missing = REQUIRED_METADATA_KEYS.filter((k) => raw[k] === undefined);
  if (missing.length > 0) {
    throw new CuratorError(
      "INVALID_FILE",
      `'${file}' is an ONNX model but not a curator model: its metadata_props lack ${missing.join(", ")}. Export it with 'curator export --model DIR --out ${file}'.`,
    );
  }
  const parsed = MetadataSchema.safeParse(raw);
  if (!parsed.success) {
    throw new CuratorError(
      "INVALID_FILE",
      `'${file}' has malformed curator metadata (${describeZodIssues(parsed.error.issues)}). Re-export it with 'curator export'.`,
    );
  }
  const m = parsed.data;
  if (m.curator_contract_version !== CONTRACT_VERSION) {
    throw new CuratorError(
      "VERSION_MISMATCH",
      `'${file}' follows curator contract version ${m.curator_contract_version}, this toolkit reads version ${CONTRACT_VERSION}. Re-export the model with this toolkit's 'curator export'.`,
    );
  }
  return {
    contractVersion: m.curator_contract_version,
    featureNames: m.feature_names,
    actionNames: m.action_names,
    featurizerVersion: m.featurizer_version,
    datasetHash: m.dataset_hash,
    algorithm: m.algorithm,
    seed: m.seed,
    toolkitVersion: m.toolkit_version,
    gitCommit: m.git_commit,
    architecture: m.architecture,
    executors: m.executors,
    createdBy: m.created_by,
  };
}
