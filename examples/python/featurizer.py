#!/usr/bin/env python3
"""Reference port of the curator featurizer (obs-v3) for harnesses written in Python.

It turns library lines (the JSONL items `curator decide` reads) and what the harness knows about its executor
into the float32 matrix the exported model takes as its `features` input. Every formula is documented in
docs/features.md; this file follows it line by line and needs only numpy (and, for items that carry no
`tokens` field, an o200k_base tokenizer such as tiktoken).

Check it (or your own port) against the published vectors:

    python3 examples/python/featurizer.py models/default/curator.features.json

prints a JSON summary and exits 1 when any case disagrees.
"""
from __future__ import annotations

import json
import math
import re
import sys
import unicodedata
from typing import Callable, Optional

import numpy as np

FEATURIZER_VERSION = "obs-v3"
FEATURE_NAMES = [
    "item_age_log", "item_since_retrieved_log", "item_retrieved_log", "item_usage_rate", "item_success_rate",
    "item_recent_success_rate", "item_recent_failures", "item_success_lift", "item_recent_drop", "item_helpful_log",
    "item_harmful_log", "item_harmful_share", "item_tokens_log", "item_tokens_share_of_budget", "item_is_skill",
    "item_rewrites", "item_compressions", "item_author_is_current", "item_written_after_failure",
    "item_max_similarity", "item_near_duplicates_log", "exec_success_rate", "exec_budget_log", "exec_budget_use",
    "lib_size_log", "lib_tokens_log",
]
FEATURE_NAMES[21:21] = ["item_task_relevance", "item_referenced_by_log", "item_placeholder", "item_short_generic", "item_core_share"]
MIN_POOLED_OUTCOMES = 10
BUDGET_USE_ITEMS = 4
NUM_HASHES = 64
SHINGLE_WORDS = 3
NEAR_DUPLICATE_THRESHOLD = 0.5
RECENT_TASKS = 8
SHORT_GENERIC_WORDS = 15
RELEVANCE_UNKNOWN = 0.1
EMPTY = 0xFFFFFFFF
MASK32 = 0xFFFFFFFF


# ---------------------------------------------------------------- similarity (MinHash over word 3-shingles)

def _is_word_char(ch: str) -> bool:
    return ch == "_" or unicodedata.category(ch)[0] in "LN"


def words(text: str) -> list[str]:
    out, cur = [], []
    for ch in text.lower():
        if _is_word_char(ch):
            cur.append(ch)
        elif cur:
            out.append("".join(cur))
            cur = []
    if cur:
        out.append("".join(cur))
    return out


def shingles(text: str) -> list[str]:
    w = words(text)
    if len(w) < SHINGLE_WORDS:
        return [" ".join(w)] if w else []
    return [" ".join(w[i:i + SHINGLE_WORDS]) for i in range(len(w) - SHINGLE_WORDS + 1)]


def fnv1a(s: str, seed: int) -> int:
    """FNV-1a 32-bit over the string's UTF-16 code units (what JavaScript's charCodeAt gives)."""
    h = (0x811C9DC5 ^ seed) & MASK32
    units = np.frombuffer(s.encode("utf-16-le"), dtype="<u2")
    for c in units.tolist():
        h = ((h ^ c) * 0x01000193) & MASK32
    return h


_K = np.arange(NUM_HASHES, dtype=np.uint64)


def minhash(text: str) -> np.ndarray:
    sig = np.full(NUM_HASHES, EMPTY, dtype=np.uint64)
    for s in shingles(text):
        h1 = fnv1a(s, 0)
        h2 = fnv1a(s, 0x9747B28C) | 1
        sig = np.minimum(sig, (np.uint64(h1) + _K * np.uint64(h2)) & np.uint64(MASK32))
    return sig


def estimate_jaccard(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.count_nonzero((a == b) & (a != EMPTY))) / NUM_HASHES


# ---------------------------------------------------------------- content features (src/features/content.ts)

STOPWORDS = set((
    "the and for are but not you all any can had her was one our out has him his how its may new now old see two who "
    "did get let put say she too use that with have this will your from they know want been good much some time very "
    "when come here just like long make many more only over such take than them well were what which while into also "
    "then there these those their would could should about after before other again each every first most must same "
    "always never often sometimes because however therefore thus using used make sure ensure carefully properly "
    "check consider important note").split(" "))
ELISION = re.compile(r"^\s*[\[(][^\])\n]{0,200}\b(?:unchanged|preserved|retained|remains?|omitted|kept|as before|as is|same as (?:above|before))\b[^\])\n]{0,200}[\])]\s*$", re.I | re.ASCII)
PLACEHOLDER_WORDS = {"todo", "tbd", "tba", "fixme", "placeholder", "n", "a", "na", "none", "null", "empty", "etc"}
CODE_CHAR = re.compile(r"[(){}\[\]=<>;`\\/]")


def core_words(ws: list[str]) -> list[str]:
    return [w for w in ws if len(w) >= 3 and w not in STOPWORDS]


def content_flags(text: str) -> dict:
    ws = words(text)
    lines = [l for l in text.split("\n") if l.strip() != ""]
    placeholder = len(ws) == 0 or any(ELISION.search(l) for l in lines) or all(w in PLACEHOLDER_WORDS for w in ws)
    short_generic = (not placeholder) and len(ws) <= SHORT_GENERIC_WORDS and re.search(r"[0-9]", text) is None and CODE_CHAR.search(text) is None
    core_share = 0.0 if not ws else len(set(core_words(ws))) / len(ws)
    return {"placeholder": placeholder, "shortGeneric": short_generic, "coreShare": core_share}


def recent_task_words(tasks: list[str]) -> list[set]:
    out = [set(core_words(words(t))) for t in tasks[-RECENT_TASKS:]] if tasks else []
    return [t for t in out if t]


def task_relevance(text: str, tasks: list[set]) -> Optional[float]:
    if not tasks:
        return None
    mine = set(core_words(words(text)))
    return sum(len(t & mine) / len(t) for t in tasks) / len(tasks)


_NOISE = re.compile(r"/\*[\s\S]*?\*/|//[^\n]*|`(?:\\[\s\S]|[^`\\])*`|\"(?:\\.|[^\"\\\n])*\"|'(?:\\.|[^'\\\n])*'", re.ASCII)
_DECL = re.compile(r"(?:async\s+)?function\s*\*?\s*([A-Za-z_$][\w$]*)\s*\(|(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*=\s*(?:async\s*)?(?:function\b|\([^)]*\)\s*=>)", re.ASCII)
_CALL = re.compile(r"(?<![\w$.])([A-Za-z_$][\w$]*)\s*\(", re.ASCII)


def _strip_js(code: str) -> str:
    return _NOISE.sub(" ", code)


def _declared(code: str) -> list[str]:
    return [m.group(1) or m.group(2) for m in _DECL.finditer(_strip_js(code))]


def _skill_name(it: dict) -> str:
    saved = re.sub(r"@v\d+$", "", it["id"].split("/")[-1])
    declared = _declared(it["content"])
    return saved if saved in declared or not declared else declared[-1]


def referenced_by(items: list[dict]) -> list[int]:
    """Per item: the other skills of the list that call it (src/governance/structure.ts skillCalls)."""
    by_name: dict = {}
    for r, it in enumerate(items):
        if it["kind"] == "skill" and _skill_name(it) not in by_name:
            by_name[_skill_name(it)] = r
    out = [0] * len(items)
    if not by_name:
        return out
    for r, it in enumerate(items):
        if it["kind"] != "skill":
            continue
        own = set(_declared(it["content"]))
        callees = set()
        for m in _CALL.finditer(_strip_js(it["content"])):
            c = by_name.get(m.group(1))
            if c is not None and c != r and m.group(1) not in own and items[c]["kind"] == "skill":
                callees.add(c)
        for c in callees:
            out[c] += 1
    return out


# ---------------------------------------------------------------- observation (library lines -> raw values)

def default_tokenizer() -> Optional[Callable[[str], int]]:
    try:
        import tiktoken  # type: ignore
    except ImportError:
        return None
    enc = tiktoken.get_encoding("o200k_base")
    return lambda text: len(enc.encode(text, disallowed_special=()))


def _default_now(items: list[dict]) -> int:
    now = 0
    for it in items:
        s = it.get("stats")
        if not s:
            continue
        if s.get("createdAt") is not None and s["createdAt"] > now:
            now = s["createdAt"]
        if s.get("lastRetrievedAt") is not None and s["lastRetrievedAt"] + 1 > now:
            now = s["lastRetrievedAt"] + 1
    return now


def observe_library(items: list[dict], executor: dict, executor_name: Optional[str] = None,
                    executor_stats: Optional[dict] = None, now: Optional[int] = None,
                    count_tokens: Optional[Callable[[str], int]] = None, recent_tasks: Optional[list[str]] = None) -> dict:
    """executor: {name, contextBudget, baseSkill}; executor_stats: any of {successRate, contextBudget, budgetUse};
    recent_tasks: texts of the executor's latest tasks, oldest first."""
    tasks = recent_task_words(recent_tasks or [])
    author = executor_name if executor_name is not None else executor["name"]
    groups: dict = {}
    for i, it in enumerate(items):
        groups.setdefault(it.get("library"), []).append(i)
    observations: list = [None] * len(items)
    library_of: list = [None] * len(items)
    libraries = []
    pooled_s = pooled_f = 0
    for name, members in groups.items():
        group = [items[i] for i in members]
        lib_now = now if now is not None else _default_now(group)
        logged = any("timesRetrieved" in (it.get("stats") or {}) or "lastRetrievedAt" in (it.get("stats") or {}) for it in group)
        sigs = None
        if any("similarity" not in it for it in group):
            sigs = [minhash(it["content"]) for it in group]
        total_tokens = 0
        callers = referenced_by(group)
        lib = {"size": len(group), "totalTokens": 0}
        for k, i in enumerate(members):
            it = items[i]
            s = it.get("stats") or {}
            created = s.get("createdAt", lib_now)
            age = max(0, lib_now - created)
            last = s.get("lastRetrievedAt")
            if "tokens" in it:
                tokens = it["tokens"]
            elif it["content"] == "":
                tokens = 0
            else:
                if count_tokens is None:
                    raise RuntimeError(f"item {it['id']} has no 'tokens' and no o200k_base tokenizer is available (pip install tiktoken)")
                tokens = count_tokens(it["content"])
            if "similarity" in it:
                max_sim, near = it["similarity"]["max"], it["similarity"]["nearDuplicates"]
            else:
                max_sim, near = 0.0, 0
                for j in range(len(group)):
                    if j == k:
                        continue
                    sim = estimate_jaccard(sigs[k], sigs[j])
                    max_sim = max(max_sim, sim)
                    near += 1 if sim >= NEAR_DUPLICATE_THRESHOLD else 0
            flags = content_flags(it["content"])
            rel = task_relevance(it["content"], tasks)
            observations[i] = {
                "age": age,
                "sinceRetrieved": age if last is None else max(0, lib_now - last),
                "timesRetrieved": s.get("timesRetrieved", 0),
                "successes": s.get("successes", 0),
                "failures": s.get("failures", 0),
                "recentSuccesses": s.get("recentSuccesses", 0),
                "recentFailures": s.get("recentFailures", 0),
                "helpful": s.get("helpful", 0),
                "harmful": s.get("harmful", 0),
                "writtenAfterFailure": s.get("writtenAfterFailure", False),
                "tokens": tokens,
                "isSkill": it["kind"] == "skill",
                "rewrites": s.get("rewrites", 0),
                "compressions": s.get("compressions", 0),
                "authorIsCurrent": it.get("author") is not None and it.get("author") == author,
                "maxSimilarity": max_sim,
                "nearDuplicates": near,
                "relevance": RELEVANCE_UNKNOWN if rel is None else rel,
                "referencedBy": callers[k],
                "placeholder": flags["placeholder"],
                "shortGeneric": flags["shortGeneric"],
                "coreShare": flags["coreShare"],
                "retrievalsLogged": logged,
            }
            total_tokens += tokens
            library_of[i] = lib
            pooled_s += s.get("successes", 0)
            pooled_f += s.get("failures", 0)
        lib["totalTokens"] = total_tokens
        libraries.append({"name": name, "now": lib_now, "retrievalsLogged": logged, "size": len(group), "totalTokens": total_tokens})
    stats = executor_stats or {}
    budget = stats["contextBudget"] if stats.get("contextBudget") is not None else executor["contextBudget"]
    if stats.get("successRate") is not None:
        success_rate = stats["successRate"]
    elif pooled_s + pooled_f >= MIN_POOLED_OUTCOMES:
        success_rate = pooled_s / (pooled_s + pooled_f)
    else:
        success_rate = 1 / (1 + math.exp(-executor["baseSkill"]))
    if stats.get("budgetUse") is not None:
        budget_use = stats["budgetUse"]
    else:
        used = [o for o in observations if o["timesRetrieved"] > 0]
        used.sort(key=lambda o: (-o["timesRetrieved"], -o["tokens"]))  # stable: earlier items win full ties
        budget_use = min(1, sum(o["tokens"] for o in used[:BUDGET_USE_ITEMS]) / max(1, budget))
    overall_now = max([now if now is not None else 0] + [l["now"] for l in libraries])
    return {
        "now": overall_now,
        "libraries": libraries,
        "observations": observations,
        "executor": {"successRate": success_rate, "contextBudget": budget, "budgetUse": budget_use},
        "libraryOf": library_of,
    }


# ---------------------------------------------------------------- features (raw values -> model input)

def _rate(s: float, f: float) -> float:
    return (s + 1) / (s + f + 2)


def feature_row(o: dict, e: dict, lib: dict) -> list[float]:
    sr = _rate(o["successes"], o["failures"])
    rsr = _rate(o["recentSuccesses"], o["recentFailures"])
    return [
        math.log1p(o["age"]),
        math.log1p(o["sinceRetrieved"]),
        math.log1p(o["timesRetrieved"]),
        min(1, o["timesRetrieved"] / max(1, o["age"])),
        sr,
        rsr,
        o["recentFailures"],
        sr - e["successRate"],
        sr - rsr,
        math.log1p(o["helpful"]),
        math.log1p(o["harmful"]),
        o["harmful"] / (o["helpful"] + o["harmful"] + 1),
        math.log1p(o["tokens"]),
        o["tokens"] / max(1, e["contextBudget"]),
        1.0 if o["isSkill"] else 0.0,
        o["rewrites"],
        o["compressions"],
        1.0 if o["authorIsCurrent"] else 0.0,
        1.0 if o["writtenAfterFailure"] else 0.0,
        o["maxSimilarity"],
        math.log1p(o["nearDuplicates"]),
        o["relevance"],
        math.log1p(o["referencedBy"]),
        1.0 if o["placeholder"] else 0.0,
        1.0 if o["shortGeneric"] else 0.0,
        o["coreShare"],
        e["successRate"],
        math.log(max(1, e["contextBudget"])),
        e["budgetUse"],
        math.log1p(lib["size"]),
        math.log1p(lib["totalTokens"]),
    ]


def featurize(observed: dict) -> np.ndarray:
    """[N, 31] float32, computed in float64 and rounded once (as the toolkit does)."""
    rows = [feature_row(o, observed["executor"], lib) for o, lib in zip(observed["observations"], observed["libraryOf"])]
    return np.asarray(rows, dtype=np.float64).reshape(len(rows), len(FEATURE_NAMES)).astype(np.float32)


# ---------------------------------------------------------------- checking against curator.features.json

def _same_observation(got: dict, want: dict) -> list[str]:
    bad = []
    for key, w in want.items():
        g = got.get(key)
        if isinstance(w, float) or isinstance(g, float):
            if g is None or abs(float(g) - float(w)) > 1e-12:
                bad.append(f"{key}: {g} != {w}")
        elif g != w:
            bad.append(f"{key}: {g!r} != {w!r}")
    return bad


def check(vectors: dict, count_tokens: Optional[Callable[[str], int]] = None) -> dict:
    if vectors.get("featurizerVersion") != FEATURIZER_VERSION or vectors.get("featureNames") != FEATURE_NAMES:
        raise SystemExit(f"vectors are for featurizer {vectors.get('featurizerVersion')}, this port implements {FEATURIZER_VERSION}")
    atol = vectors["atol"]
    failures, skipped, checked, max_diff = [], [], [], 0.0
    for m in vectors["minhash"]:
        if shingles(m["text"]) != m["shingles"]:
            failures.append(f"minhash {m['text']!r}: shingles {shingles(m['text'])} != {m['shingles']}")
        elif minhash(m["text"]).tolist() != m["signature"]:
            failures.append(f"minhash {m['text']!r}: signature differs")
    for case in vectors["cases"]:
        inp, want = case["input"], case["expected"]
        # featurizer alone: the published observations -> the published features
        want_f = np.asarray(want["features"], dtype=np.float32)
        alone = featurize(want)
        d = float(np.max(np.abs(alone.astype(np.float64) - want_f))) if want_f.size else 0.0
        max_diff = max(max_diff, d)
        if not d <= atol:
            failures.append(f"{case['name']}: featurize(expected observations) differs by {d}")
        if case["needsTokenizer"] and count_tokens is None:
            skipped.append(case["name"])
            continue
        got = observe_library(inp["items"], inp["executor"], inp.get("executorName"), inp.get("executorStats"), inp.get("now"), count_tokens, inp.get("recentTasks"))
        for r, (g, w) in enumerate(zip(got["observations"], want["observations"])):
            failures += [f"{case['name']} item {r}: {b}" for b in _same_observation(g, w)]
        for key in ("now", "libraries", "libraryOf"):
            if got[key] != want[key]:
                failures.append(f"{case['name']}: {key} {got[key]} != {want[key]}")
        failures += [f"{case['name']} executor: {b}" for b in _same_observation(got["executor"], want["executor"])]
        f = featurize(got)
        d = float(np.max(np.abs(f.astype(np.float64) - want_f))) if want_f.size else 0.0
        max_diff = max(max_diff, d)
        if f.shape != want_f.shape or not d <= atol:
            failures.append(f"{case['name']}: features differ by {d} (atol {atol})")
        checked.append(case["name"])
    return {"checked": checked, "skipped": skipped, "failures": failures, "maxAbsDiff": max_diff, "atol": atol}


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as fh:
        vectors = json.load(fh)
    tok = default_tokenizer()
    result = check(vectors, tok)
    result["tokenizer"] = "tiktoken o200k_base" if tok else None
    print(json.dumps(result))
    return 1 if result["failures"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
