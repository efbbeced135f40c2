/**
 * onnxruntime-node's native session, called synchronously. The public `InferenceSession.run` wraps the same
 * synchronous native call in `setImmediate` + a promise, which cost 7–15 µs per call here (measured: one
 * decision through the runtime 28 → 21 µs; a bare run under load 52 → 36 µs). onnxruntime-node 1.30.0 (pinned
 * exactly) exposes the native binding as `dist/binding.js`; when a future version moves it, `openSyncSession`
 * returns null and the runtime falls back to the public API, so this is a fast path, never a dependency.
 */
import { createRequire } from "node:module";
import type * as ort from "onnxruntime-node";

export interface SyncSession {
  run(feeds: Record<string, ort.Tensor>, fetches: Record<string, null>, options: object): Record<string, ort.Tensor>;
  dispose(): void;
}

interface NativeModule {
  binding: { InferenceSession: new () => SyncSession & { loadModel(path: string, options: object): void } };
  initOrt: () => void;
}

export function openSyncSession(path: string, options: ort.InferenceSession.SessionOptions): SyncSession | null {
  try {
    const native = createRequire(import.meta.url)("onnxruntime-node/dist/binding.js") as NativeModule;
    native.initOrt();
    const session = new native.binding.InferenceSession();
    session.loadModel(path, options);
    return session;
  } catch {
    return null;
  }
}
