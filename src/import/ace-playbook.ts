/**
 * ACE playbooks: text files of `## SECTION` headers and `[prefix-00042] rule` lines (optionally with ACE's
 * counters, `[id] helpful=3 harmful=1 :: rule`). PATH is a playbook file or a folder of them.
 *
 * Snapshots of one run share a name and differ by a numeric suffix (`…cleaned30.txt` = after task 30); the
 * same name without a suffix is that run's latest state. A file with "initial" in its name whose rules all
 * appear unchanged in a run's first numbered snapshot is that run's task-0 state. Every other file is a
 * library of its own; byte-identical copies are imported once.
 */
import { basename, dirname, extname } from "node:path";
import { createHash } from "node:crypto";
import { CuratorError } from "../errors.js";
import { sourceFiles, type ImportContext } from "./context.js";
import { emptyParts, versionId, type ImportParts, type Snapshot } from "./types.js";

interface Rule {
  id: string;
  text: string;
  section: string | null;
  helpful: number | null;
  harmful: number | null;
}

interface Playbook {
  file: string;
  rules: Map<string, Rule>;
  hash: string;
}

const RULE = /^\s*\[([A-Za-z][\w.-]*-\d+)\]\s*(?:helpful\s*=\s*(\d+)\s*,?\s*harmful\s*=\s*(\d+)\s*(?:::|:)?\s*)?(.*)$/;
const HEADER = /^\s*#{1,6}\s*(.*?)\s*:?\s*$/;

export function parsePlaybook(text: string, where: string, ctx: ImportContext): Map<string, Rule> {
  const rules = new Map<string, Rule>();
  let section: string | null = null;
  let last: Rule | null = null;
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === "") return;
    const h = HEADER.exec(line);
    if (h) {
      section = h[1] || null;
      last = null;
      return;
    }
    const m = RULE.exec(line);
    if (m) {
      let id = m[1];
      if (rules.has(id)) {
        let k = 2;
        while (rules.has(`${m[1]}~${k}`)) k++;
        id = `${m[1]}~${k}`;
        ctx.repaired.add("duplicate-id", `${where}:${i + 1}: [${m[1]}] appears twice; the second is ${id}`);
      }
      if (m[4].trim() === "") {
        ctx.skipped.add("empty-content", `${where}:${i + 1}: [${m[1]}] has no text`);
        last = null;
        return;
      }
      last = {
        id,
        text: m[4].trim(),
        section,
        helpful: m[2] ? Number(m[2]) : null,
        harmful: m[3] ? Number(m[3]) : null,
      };
      rules.set(id, last);
    } else if (last) {
      last.text += `\n${line.trim()}`;
      ctx.repaired.add("continuation-line", `${where}:${i + 1}: appended to [${last.id}]`);
    } else ctx.skipped.add("unexpected-shape", `${where}:${i + 1}: a line outside any rule`);
  });
  return rules;
}

interface Stream {
  name: string;
  states: { pb: Playbook; task: number | null; label: string }[];
}

function groupStreams(playbooks: Playbook[], ctx: ImportContext): Stream[] {
  const keyOf = (f: string): { key: string; n: number | null } => {
    const stem = basename(f, extname(f));
    const m = /^(.*?)[_-]?(\d+)$/.exec(stem);
    return m && m[1] !== ""
      ? { key: `${dirname(f)}/${m[1]}`, n: Number(m[2]) }
      : { key: `${dirname(f)}/${stem}`, n: null };
  };
  const numbered = new Map<string, Playbook[]>();
  for (const pb of playbooks) {
    const { key, n } = keyOf(pb.file);
    if (n !== null) numbered.set(key, [...(numbered.get(key) ?? []), pb]);
  }
  const used = new Set<Playbook>();
  const seenHash = new Map<string, string>();
  const take = (pb: Playbook): boolean => {
    const dup = seenHash.get(pb.hash);
    if (dup !== undefined) {
      ctx.skipped.add("duplicate-file", `${ctx.rel(pb.file)} is identical to ${dup}`);
      used.add(pb);
      return false;
    }
    seenHash.set(pb.hash, ctx.rel(pb.file));
    used.add(pb);
    return true;
  };
  const streams: Stream[] = [];
  for (const [key, members] of numbered) {
    const sorted = members.sort((a, b) => keyOf(a.file).n! - keyOf(b.file).n!);
    const latest = playbooks.find((p) => keyOf(p.file).n === null && keyOf(p.file).key === key);
    const states: Stream["states"] = [];
    const firstRules = sorted[0].rules;
    const initial = playbooks
      .filter(
        (p) =>
          /initial/i.test(basename(p.file)) &&
          !used.has(p) &&
          [...p.rules].every(([id, r]) => firstRules.get(id)?.text === r.text),
      )
      .sort(
        (a, b) =>
          Number(dirname(a.file) !== dirname(sorted[0].file)) - Number(dirname(b.file) !== dirname(sorted[0].file)),
      )[0];
    if (initial && take(initial)) states.push({ pb: initial, task: 0, label: `initial (${ctx.rel(initial.file)})` });
    for (const pb of sorted)
      if (take(pb)) states.push({ pb, task: keyOf(pb.file).n, label: `task ${keyOf(pb.file).n}` });
    if (latest && take(latest)) states.push({ pb: latest, task: null, label: `latest (${ctx.rel(latest.file)})` });
    streams.push({ name: ctx.rel(key), states });
  }
  for (const pb of playbooks) {
    if (used.has(pb) || !take(pb)) continue;
    streams.push({
      name: ctx.rel(pb.file).replace(/\.[^./]+$/, ""),
      states: [{ pb, task: null, label: "only state" }],
    });
  }
  return streams.filter((s) => s.states.length > 0);
}

function assemble(stream: Stream, parts: ImportParts): void {
  const lib = stream.name;
  const states = stream.states;
  const last = states.at(-1)!.pb.rules;
  const versions = new Map<string, { rule: Rule; first: number; lastSeen: number }[]>();
  states.forEach((s, k) => {
    for (const [id, r] of s.pb.rules) {
      const list = versions.get(id) ?? [];
      const same = list.find((v) => v.rule.text === r.text);
      if (same) [same.lastSeen, same.rule] = [k, r];
      else list.push({ rule: r, first: k, lastSeen: k });
      versions.set(id, list);
    }
  });
  const idOf = (ruleId: string, v: number): string => {
    const list = versions.get(ruleId)!;
    return versionId(`${lib}/${ruleId}`, v, last.get(ruleId)?.text === list[v].rule.text);
  };
  const history = states.length > 1;
  // Rules in the order of the latest playbook (then the removed ones), so a curated library writes back in it.
  const lastOrder = new Map([...last.keys()].map((id, k) => [id, k]));
  const ordered = [...versions].sort(([a], [b]) => (lastOrder.get(a) ?? last.size) - (lastOrder.get(b) ?? last.size));
  for (const [ruleId, list] of ordered) {
    list.forEach((ver, v) => {
      const r = ver.rule;
      const id = idOf(ruleId, v);
      const isFinal = last.get(ruleId)?.text === r.text;
      const firstTask = states[list[0].first].task;
      const prevTask = list[0].first > 0 ? states[list[0].first - 1].task : firstTask;
      const counted = r.helpful !== null && r.harmful !== null;
      parts.items.push({
        id,
        library: lib,
        kind: "context",
        content: r.text,
        author: "ace",
        tags: r.section ? [`section:${r.section}`] : [],
        stats: {
          ...(prevTask !== null ? { createdAt: prevTask } : {}),
          ...(counted ? { successes: r.helpful!, failures: r.harmful! } : {}),
          rewrites: v,
          compressions: 0,
        },
        meta: {
          rule: ruleId,
          version: v + 1,
          firstSeen: states[list[0].first].label,
          ...(counted ? { helpful: r.helpful, harmful: r.harmful } : {}),
        },
        final: isFinal,
      });
      parts.labels.push({
        id,
        library: lib,
        inFinal: isFinal,
        rewrittenLater: history ? v < list.length - 1 : null,
        removedLater: history ? !last.has(ruleId) : null,
        uplift: null,
        harmful: counted ? r.harmful! > r.helpful! : null,
        helpful: counted ? r.helpful! > r.harmful! : null,
        deadWeight: null,
        neverUsed: counted ? r.helpful! + r.harmful! === 0 : null,
        evidence: {
          snapshotsPresent: ver.lastSeen - ver.first + 1,
          ...(counted ? { helpful: r.helpful, harmful: r.harmful } : {}),
        },
      });
    });
  }
  states.forEach((s, k) => {
    const snap: Snapshot = {
      library: lib,
      index: k,
      label: s.label,
      taskIndex: s.task,
      reconstructed: false,
      itemIds: [...s.pb.rules].map(([ruleId, r]) =>
        idOf(
          ruleId,
          versions.get(ruleId)!.findIndex((v) => v.rule.text === r.text),
        ),
      ),
      missingItems: 0,
    };
    parts.snapshots.push(snap);
  });
}

export function importAcePlaybook(path: string, ctx: ImportContext): ImportParts {
  const files = sourceFiles(path);
  const playbooks: Playbook[] = [];
  for (const file of files) {
    if (!/\.(txt|md)$/i.test(file)) {
      ctx.skipped.add("unrecognised-file", `${ctx.rel(file)}: not a .txt/.md playbook`);
      continue;
    }
    const text = ctx.readText(file);
    if (text === null) continue;
    const rules = parsePlaybook(text, ctx.rel(file), ctx);
    if (rules.size === 0) ctx.skipped.add("unrecognised-file", `${ctx.rel(file)}: no [id] rule lines`);
    else playbooks.push({ file, rules, hash: createHash("sha256").update(text).digest("hex") });
  }
  if (playbooks.length === 0 && files.length === 0) {
    throw new CuratorError(
      "INVALID_FILE",
      `No ACE playbook files under '${path}': expected .txt files with '[shr-00001] rule' lines under '## SECTION' headers.`,
    );
  }
  const parts = emptyParts([
    "Items are playbook rules (kind context); ids are <playbook>/<rule id>, a rule whose text changed keeps @vN for the older text.",
    "Snapshot taskIndex is the task count in the file name (…30.txt = after task 30); the unsuffixed file is the run's latest state (taskIndex null).",
    "createdAt is a lower bound: the task index of the snapshot before the one where the rule first appears.",
    "helpful/harmful counters, when a playbook carries them, fill stats.successes/failures and the harmful/neverUsed labels; otherwise those are null. ACE playbooks here carry no task events.",
  ]);
  for (const s of groupStreams(playbooks, ctx)) assemble(s, parts);
  return parts;
}
