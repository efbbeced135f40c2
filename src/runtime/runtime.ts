/**
 * The harness runtime: one onnxruntime-node InferenceSession over a curator ONNX file. `decide` takes raw
 * library items (the same featurizer as training), builds the governance mask and returns one decision per
 * item; `decideBatch` is the raw fast path over prebuilt feature and mask buffers.
 *
 * Checks on load, each refusal naming the file: onnxruntime can load it; the inputs `features`,
 * `action_mask` and the output `probs` exist (all missing names reported at once); the curator metadata is
 * present; its featurizer version and feature names are this toolkit's (both versions named otherwise).
 */
import { existsSync } from "node:fs";
import { basename } from "node:path";
import * as ort from "onnxruntime-node";
import { NUM_ACTIONS } from "../actions.js";
import { CuratorError } from "../errors.js";
import { FEATURE_NAMES, FEATURIZER_VERSION, NUM_FEATURES, featurizeInto } from "../features/featurizer.js";
import type { ExecutorObservation, ItemObservation, LibraryObservation } from "../features/featurizer.js";
import type { LibraryItem } from "../schemas/item.js";
import type { ExecutorProfile } from "../schemas/executor.js";
import type { Curator } from "../curators/types.js";
import { readGraphNormalization, readOnnxContract, type OnnxContract } from "../export/inspect.js";
import { FEATURES_INPUT, MASK_INPUT, PROBS_OUTPUT } from "../export/policy.js";
import { BatchBuffers, decideWithCurator, type DecideOptions, type DecideResult } from "./decide.js";
import { openSyncSession, type SyncSession } from "./sync-session.js";

export interface RuntimeCreateOptions {
  /** Passed to onnxruntime; default: one intra-op thread, sequential execution (small models run fastest so). */
  sessionOptions?: ort.InferenceSession.SessionOptions;
}

const FETCHES = { [PROBS_OUTPUT]: null };

/** One intra-op thread, sequential execution: small models run fastest so. */
export const DEFAULT_SESSION_OPTIONS: ort.InferenceSession.SessionOptions = {
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  executionMode: "sequential",
  graphOptimizationLevel: "all",
};

export class CuratorRuntime {
  /** sha256 of the model file, recorded in every audit line. */
  readonly modelHash: string;
  readonly name: string;
  private readonly buffers = new BatchBuffers();
  /** Calls that use the shared buffers run one at a time (onnxruntime reads inputs after `run` returns a promise). */
  private queue: Promise<unknown> = Promise.resolve();
  private disposed = false;

  private constructor(
    readonly path: string,
    readonly contract: OnnxContract,
    private readonly session: ort.InferenceSession,
    /** The same model behind the native synchronous call (null: use `session`). */
    private readonly fast: SyncSession | null,
    /** The training normalisation inside the graph (null when another exporter wrote the model). */
    readonly normalization: { mean: number[]; std: number[] } | null,
  ) {
    this.modelHash = contract.sha256;
    this.name = `onnx:${basename(path)}`;
  }

  static async create(path: string, opts: RuntimeCreateOptions = {}): Promise<CuratorRuntime> {
    if (!existsSync(path))
      throw new CuratorError("FILE_NOT_FOUND", `No ONNX model at '${path}'. Export one with 'curator export'.`);
    let session: ort.InferenceSession;
    const sessionOptions = { ...DEFAULT_SESSION_OPTIONS, ...opts.sessionOptions };
    try {
      session = await ort.InferenceSession.create(path, sessionOptions);
    } catch (e) {
      throw new CuratorError(
        "INVALID_FILE",
        `'${path}' is not an ONNX model onnxruntime can load (${firstLine(e)}). Pass the .onnx file written by 'curator export'.`,
      );
    }
    try {
      checkNames(path, session);
      const contract = readOnnxContract(path);
      checkFeaturizer(path, contract);
      return new CuratorRuntime(
        path,
        contract,
        session,
        openSyncSession(path, sessionOptions),
        readGraphNormalization(path),
      );
    } catch (e) {
      await session.release();
      throw e;
    }
  }

  /**
   * Decides every item of a library: action, probabilities, allowed actions and a reason per item. Pass the
   * executor's observed statistics in `options.executorStats` (see `executorObservation`); `executor` (a preset
   * or profile) is only the fallback for what is missing, and may be undefined when they are complete.
   */
  async decide(
    items: readonly LibraryItem[],
    executor: ExecutorProfile | string | undefined,
    options: DecideOptions = {},
  ): Promise<DecideResult> {
    return this.exclusive(() =>
      decideWithCurator(this.asCurator(), this.modelHash, items, executor, options, this.buffers),
    );
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /**
   * Raw fast path: `features` rows × NUM_FEATURES raw values, `masks` rows × 4 (1 = allowed). Returns rows × 4
   * probabilities in ACTIONS order (a fresh array). The buffers are wrapped, not copied.
   */
  async decideBatch(features: Float32Array, masks: Float32Array, rows: number): Promise<Float32Array> {
    if (this.disposed)
      throw new CuratorError("BAD_ARGUMENT", `The runtime for '${this.path}' was disposed; create a new one.`);
    if (features.length < rows * NUM_FEATURES || masks.length < rows * NUM_ACTIONS)
      throw new CuratorError(
        "BAD_ARGUMENT",
        `decideBatch needs ${rows * NUM_FEATURES} feature values and ${rows * NUM_ACTIONS} mask values for ${rows} rows, got ${features.length} and ${masks.length}.`,
      );
    if (rows === 0) return new Float32Array(0);
    const f = features.length === rows * NUM_FEATURES ? features : features.subarray(0, rows * NUM_FEATURES);
    const m = masks.length === rows * NUM_ACTIONS ? masks : masks.subarray(0, rows * NUM_ACTIONS);
    const feeds = {
      [FEATURES_INPUT]: new ort.Tensor("float32", f, [rows, NUM_FEATURES]),
      [MASK_INPUT]: new ort.Tensor("float32", m, [rows, NUM_ACTIONS]),
    };
    const out = this.fast ? this.fast.run(feeds, FETCHES, {}) : await this.session.run(feeds);
    return out[PROBS_OUTPUT].data as Float32Array;
  }

  /**
   * Featurize + infer with no per-row allocation: observations are written into reused buffers and scored in
   * one run. `masks` (rows × 4) defaults to everything allowed.
   */
  async inferObservations(
    observations: readonly ItemObservation[],
    executor: ExecutorObservation,
    library: LibraryObservation,
    masks?: Float32Array,
  ): Promise<Float32Array> {
    return this.exclusive(async () => {
      const rows = observations.length;
      this.buffers.ensure(rows);
      const f = this.buffers.features;
      for (let r = 0; r < rows; r++) featurizeInto(f, r * NUM_FEATURES, observations[r], executor, library);
      let m = masks;
      if (!m) {
        m = this.buffers.masks;
        m.fill(1, 0, rows * NUM_ACTIONS);
      }
      return this.decideBatch(f, m, rows);
    });
  }

  /** This runtime as a Curator (the interface evaluation uses for baselines too). */
  asCurator(): Curator {
    return {
      name: this.name,
      ...(this.normalization ? { normalization: this.normalization } : {}),
      probs: (b) => this.decideBatch(b.features, b.masks, b.rows),
      dispose: () => this.dispose(),
    };
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.fast?.dispose();
    await this.session.release();
  }
}

/** An ONNX curator model behind the Curator interface, so evaluation treats it like a baseline. */
export async function onnxCurator(path: string, opts?: RuntimeCreateOptions): Promise<Curator & { modelHash: string }> {
  const rt = await CuratorRuntime.create(path, opts);
  return { ...rt.asCurator(), modelHash: rt.modelHash };
}

function checkNames(path: string, session: ort.InferenceSession): void {
  const missing = [
    ...[FEATURES_INPUT, MASK_INPUT].filter((n) => !session.inputNames.includes(n)).map((n) => `input '${n}'`),
    ...[PROBS_OUTPUT].filter((n) => !session.outputNames.includes(n)).map((n) => `output '${n}'`),
  ];
  if (missing.length > 0)
    throw new CuratorError(
      "INVALID_FILE",
      `'${path}' does not follow the curator contract: missing ${missing.join(", ")} (it has inputs ${list(session.inputNames)} and outputs ${list(session.outputNames)}). Export the model with 'curator export'.`,
    );
}

function checkFeaturizer(path: string, c: OnnxContract): void {
  const v = c.metadata.featurizerVersion;
  if (v !== FEATURIZER_VERSION)
    throw new CuratorError(
      "VERSION_MISMATCH",
      `'${path}' was trained with featurizer version '${v}', this toolkit computes featurizer version '${FEATURIZER_VERSION}'. Retrain (or re-export) the model with this toolkit.`,
    );
  const names = c.metadata.featureNames;
  const differ = names.length !== FEATURE_NAMES.length || names.some((n, i) => n !== FEATURE_NAMES[i]);
  if (differ)
    throw new CuratorError(
      "VERSION_MISMATCH",
      `'${path}' claims featurizer version '${v}' but its feature names differ from this toolkit's (${names.length} vs ${FEATURE_NAMES.length} features${firstDiff(names)}). Re-export the model with this toolkit.`,
    );
}

function firstDiff(names: readonly string[]): string {
  const i = names.findIndex((n, j) => n !== FEATURE_NAMES[j]);
  return i < 0 ? "" : `; first difference at ${i}: '${names[i]}' vs '${FEATURE_NAMES[i] ?? "(none)"}'`;
}

function list(names: readonly string[]): string {
  return names.length ? names.map((n) => `'${n}'`).join(", ") : "(none)";
}

function firstLine(e: unknown): string {
  return String((e as Error)?.message ?? e).split("\n")[0];
}
