/**
 * A package-lock.json for a throwaway project, cut from the toolkit's own lockfile: the closure of `deps` with
 * the toolkit's exact versions and integrity hashes, plus local tarballs. `npm ci --offline` then installs it
 * from the npm cache that the toolkit's `npm ci` filled (a plain `npm install --offline` would need registry
 * metadata, which `npm ci` never caches).
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";

interface LockEntry {
  version?: string;
  resolved?: string;
  integrity?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  dev?: boolean;
  [k: string]: unknown;
}

export interface LocalTarball {
  name: string;
  /** Path of the .tgz relative to the project folder. */
  file: string;
  /** Absolute path, to hash. */
  abs: string;
  version: string;
  dependencies: Record<string, string>;
  /** The package's `bin` (npm ci links commands from the lockfile's copy). */
  bin?: Record<string, string>;
}

export function offlineLockfile(
  rootLockPath: string,
  tarballs: readonly LocalTarball[],
  extra: readonly string[] = [],
): object {
  const all = (JSON.parse(readFileSync(rootLockPath, "utf8")) as { packages: Record<string, LockEntry> }).packages;
  const out: Record<string, LockEntry> = {};
  const resolveFrom = (from: string, name: string): string => {
    for (let dir = from; ; dir = dir.slice(0, Math.max(0, dir.lastIndexOf("/node_modules")))) {
      const p = `${dir ? `${dir}/` : ""}node_modules/${name}`;
      if (all[p]) return p;
      if (!dir)
        throw new Error(`offlineLockfile: '${name}' (needed by '${from || "the project"}') is not in ${rootLockPath}`);
    }
  };
  const add = (path: string): void => {
    if (out[path]) return;
    const { dev: _dev, devOptional: _devOptional, ...entry } = all[path];
    out[path] = entry;
    for (const d of Object.keys({ ...entry.dependencies, ...entry.optionalDependencies })) {
      try {
        add(resolveFrom(path, d));
      } catch (e) {
        if (!entry.optionalDependencies?.[d]) throw e;
      }
    }
  };
  const rootDeps: Record<string, string> = {};
  for (const t of tarballs) {
    rootDeps[t.name] = `file:${t.file}`;
    const integrity = `sha512-${createHash("sha512").update(readFileSync(t.abs)).digest("base64")}`;
    out[`node_modules/${t.name}`] = {
      version: t.version,
      resolved: `file:${t.file}`,
      integrity,
      dependencies: t.dependencies,
      ...(t.bin ? { bin: t.bin } : {}),
    };
    for (const d of Object.keys(t.dependencies)) add(resolveFrom("", d));
  }
  for (const d of extra) {
    const p = resolveFrom("", d);
    add(p);
    rootDeps[d] = all[p].version!;
  }
  return {
    name: "harness",
    version: "0.0.0",
    lockfileVersion: 3,
    requires: true,
    packages: { "": { name: "harness", version: "0.0.0", dependencies: rootDeps }, ...out },
  };
}
