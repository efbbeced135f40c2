/**
 * Where export may write: the ONNX file and its test vectors may replace only files the toolkit wrote (listed by
 * the marker of the folder they sit in, or recognised by their content), never a user's file such as README.md.
 * A symlinked path is followed. After writing, the files join the folder's marker when it has one, so a later
 * `train --out` over the model folder knows they are the toolkit's.
 */
import { readFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { writeFileDurable } from "../util/durable.js";
import {
  OUTPUT_MARKER,
  assertReplaceableFile,
  markerText,
  readMarker,
  resolveOutputPath,
} from "../util/output-folder.js";
import { recoverSwap } from "../util/swap.js";
import { onnx } from "./proto.js";
import { PRODUCER_NAME } from "./policy.js";

function isCuratorOnnx(path: string): boolean {
  try {
    return onnx.ModelProto.decode(readFileSync(path)).producerName === PRODUCER_NAME;
  } catch {
    return false;
  }
}

function isTestVectors(path: string): boolean {
  try {
    const v = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
    return (
      typeof v.model_sha256 === "string" &&
      typeof v.inputs === "object" &&
      typeof v.outputs === "object" &&
      typeof v.atol === "number"
    );
  } catch {
    return false;
  }
}

function isFeatureVectors(path: string): boolean {
  try {
    return (JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>).kind === "curator-featurizer-vectors";
  } catch {
    return false;
  }
}

/** Resolves and checks every export path before any work; returns the real paths to write. */
export function prepareExportFiles(
  onnxPath: string,
  vectorsPath: string,
  featuresPath: string,
): { onnx: string; vectors: string; features: string } {
  const checked = ([path, isOurs]: [string, (p: string) => boolean]) => {
    const real = resolve(resolveOutputPath(path));
    for (const m of recoverSwap(real)) process.stderr.write(`curator: ${m}\n`);
    assertReplaceableFile(real, readMarker(dirname(real)), basename(real), isOurs);
    return real;
  };
  return {
    onnx: checked([onnxPath, isCuratorOnnx]),
    vectors: checked([vectorsPath, isTestVectors]),
    features: checked([featuresPath, isFeatureVectors]),
  };
}

/** Adds written files to the marker of the folder holding them, when that folder is a toolkit output. */
export function recordInFolderMarker(paths: readonly string[]): void {
  for (const p of paths) {
    const dir = dirname(p);
    const marker = readMarker(dir);
    if (!marker || marker.files.includes(basename(p))) continue;
    writeFileDurable(join(dir, OUTPUT_MARKER), markerText(marker.command, [...marker.files, basename(p)].sort()));
  }
}
