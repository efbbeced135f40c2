/**
 * The library an endpoint run starts from: empty, or a library file (JSONL, as decide reads it) whose items every
 * stream starts with and whose governance rules its passes follow. One definition for `collect` and `eval`.
 */
import type { HarnessState } from "../executors/endpoint/harness.js";
import type { LibraryItem } from "../schemas/item.js";
import type { Governance } from "../schemas/world.js";
import { loadLibrary } from "../library/io.js";
import { DEFAULT_GOVERNANCE } from "../governance/rules.js";

export interface StartingLibrary {
  start: HarnessState;
  governance: Governance;
}

export function startingLibrary(path: string | undefined): StartingLibrary {
  const lib = path === undefined ? undefined : loadLibrary(path);
  // A starting library's `pending` markers are decide's notes to a harness, not part of the items.
  const live: LibraryItem[] = (lib?.items ?? []).map(({ pending: _p, ...item }) => item);
  return { start: { live, archive: [], step: 0 }, governance: lib?.governance.rules ?? DEFAULT_GOVERNANCE };
}
