#!/usr/bin/env python3
"""Cuts the small committed fixtures in test/fixtures/real from ../shared/data/real (run from the repo root:
python3 test/import/cut-fixtures.py ../shared/data/real). A few records per source, plus malformed variants.
Deterministic: re-running gives the same bytes."""
import json, os, re, shutil, sys

SRC = sys.argv[1] if len(sys.argv) > 1 else "../shared/data/real"
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "real")


def put(rel, text):
    p = os.path.join(OUT, rel)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, "w", encoding="utf-8") as f:
        f.write(text)


def js(v):
    return json.dumps(v, ensure_ascii=False)


def load(rel):
    with open(os.path.join(SRC, rel), encoding="utf-8") as f:
        return json.load(f)


def jsonl(rel):
    with open(os.path.join(SRC, rel), encoding="utf-8") as f:
        return [json.loads(l) for l in f if l.strip()]


for d in ["voyager", "dynamic-cheatsheet", "ace-playbook", "agent-s", "tau-bench", "malformed"]:
    shutil.rmtree(os.path.join(OUT, d), ignore_errors=True)

# --- Voyager: a QuestLlama checkpoint cut to 4 skills (one rewritten 3 times, one called by another) -------------
q = "voyager/ckpt_QuestLlama_llama3"
skills = load(f"{q}/skill/skills.json")
files = load(f"{q}/skill/skill_files.json")
keep = ["mineWoodLog", "craftWoodenPickaxe", "killChicken", "mineTwoDirtBlocks"]
put("voyager/ckpt_llama/skill/skills.json", js({k: {**skills[k], "description": skills[k]["description"][:160]} for k in keep}))
pick = lambda d, ext: {k: v for k, v in d.items() if re.match(r"(%s)(V\d+)?\.%s$" % ("|".join(keep), ext), k)}
put("voyager/ckpt_llama/skill/skill_files.json", js({"code": pick(files["code"], "js"), "description": {k: v[:160] for k, v in pick(files["description"], "txt").items()}}))
put("voyager/ckpt_llama/curriculum/completed_tasks.json", js(["Mine 1 wood log", "Craft 1 crafting table", "Craft 1 wooden pickaxe"]))
put("voyager/ckpt_llama/curriculum/failed_tasks.json", js(["Mine 3 cobblestone blocks"]))
events = jsonl(f"{q}/events.jsonl")
slim = lambda evs: [[e[0], {k: v for k, v in e[1].items() if k in ("onChat", "onError")}] for e in evs] if isinstance(evs, list) else evs
chosen = [e for e in events if e["task"] in ("Mine 1 wood log", "Mine 3 cobblestone blocks", "Craft 1 wooden pickaxe")][:6]
put("voyager/ckpt_llama/events.jsonl", "".join(js({**e, "events": slim(e["events"])}) + "\n" for e in chosen))

# --- Voyager history: OctoMC's three commits, skill code cut to its first 12 lines ----------------------------------
short = lambda code: "\n".join(code.split("\n")[:5]) + ("\n}" if code.count("\n") > 5 else "")
for c in ["65f85ee7", "948453df", "d0438637"]:
    base = f"voyager/ckpt_OctoMC_history/{c}"
    s = load(f"{base}/skill/skills.json")
    put(f"voyager/history/{c}/skill/skills.json", js({k: {"code": short(v["code"]), "description": v["description"][:160]} for k, v in s.items()}))
    f = load(f"{base}/skill/skill_files.json")
    put(f"voyager/history/{c}/skill/skill_files.json", js({"code": {k: short(v) for k, v in f["code"].items()}, "description": {k: v[:160] for k, v in f["description"].items()}}))
    put(f"voyager/history/{c}/curriculum/completed_tasks.json", js(load(f"{base}/curriculum/completed_tasks.json")))

# --- Dynamic Cheatsheet: 2 questions of a cumulative run, its no-memory twin, 2 questions of a retrieval run -----
dc = "dynamic_cheatsheet/slim/AIME_2024"
cut_q = lambda r: {**r, "raw_input": r["raw_input"][:200]}
cum = jsonl(f"{dc}/gpt-4o_DynamicCheatsheet_Cumulative.jsonl")[:2]
put("dynamic-cheatsheet/AIME_2024/gpt-4o_DynamicCheatsheet_Cumulative.jsonl", "".join(js(cut_q(r)) + "\n" for r in cum))
put("dynamic-cheatsheet/AIME_2024/gpt-4o_EmptyCheatsheet.jsonl", "".join(js(cut_q(r)) + "\n" for r in jsonl(f"{dc}/gpt-4o_EmptyCheatsheet.jsonl")[:3]))
put("dynamic-cheatsheet/AIME_2024/gpt-4o_Dynamic_Retrieval.jsonl", "".join(js(r) + "\n" for r in jsonl(f"{dc}/gpt-4o_Dynamic_Retrieval.jsonl")[:2]))

# --- ACE: the online run at tasks 0, 30, 60 and its latest state, each cut to its first rules per section ---------
ace = "ace_appworld/online_snapshots"
def cut_playbook(text, per_section, always=()):
    out, n = [], 0
    for line in text.split("\n"):
        if line.startswith("##"):
            n = 0
            out.append(line)
        elif line.startswith("["):
            if line.split("]")[0][1:] in always:
                out.append(line)
                continue
            n += 1
            if n <= per_section:
                out.append(line)
        elif not line.strip():
            out.append(line)
    return "\n".join(out)
stem = "react_playbook_online_test_normal_without_gt_coherent_cleaned"
read = lambda rel: open(os.path.join(SRC, rel), encoding="utf-8").read()
initial = read(f"{ace}/initial_playbook_coherent_cleaned.txt")
put("ace-playbook/online/initial_playbook_coherent_cleaned.txt", initial)
initial_ids = {l.split("]")[0][1:] for l in initial.split("\n") if l.startswith("[")}
for suffix, k in [("30", 1), ("60", 2), ("", 3)]:
    put(f"ace-playbook/online/{stem}{suffix}.txt", cut_playbook(read(f"{ace}/{stem}{suffix}.txt"), k, initial_ids))

# --- Agent-S: a few Ubuntu episodic/narrative entries at two commits, the history index over them, Windows ----------
kb = "agent_s_kb"
ep0 = load(f"{kb}/ubuntu_episodic_memory__2024-11-06_c359a93_initial.json")
ep1 = load(f"{kb}/ubuntu_episodic_memory__2024-11-29_7cd7c24_latest.json")
k0 = list(ep0)[:3]
k1 = k0 + [k for k in ep1 if k not in ep0][:2]
put(f"agent-s/ubuntu_episodic_memory__2024-11-06_c359a93_initial.json", js({k: ep0[k] for k in k0}))
put(f"agent-s/ubuntu_episodic_memory__2024-11-29_7cd7c24_latest.json", js({k: ep1[k] for k in k1}))
nar = load(f"{kb}/ubuntu_narrative_memory__2024-11-29_7cd7c24_latest.json")
put(f"agent-s/ubuntu_narrative_memory__2024-11-29_7cd7c24_latest.json", js({k: nar[k] for k in list(nar)[:1] + [k for k in nar if nar[k].startswith("The task was successfully")][:1]}))
hist = load(f"{kb}/ubuntu_history_keys_by_commit.json")["agent_s/kb/ubuntu/episodic_memory.json"]
union = k1 + ["Task:\nA key only an intermediate commit held\n\nSubtask: gone"]
versions = [{**v, "n_items": len(ids), "key_ids": ids} for v, ids in zip([hist["versions"][0], hist["versions"][1], hist["versions"][-1]], [[0, 1, 2], [0, 1, 2, 5], [0, 1, 2, 3, 4]])]
put(f"agent-s/ubuntu_history_keys_by_commit.json", js({"agent_s/kb/ubuntu/episodic_memory.json": {"union_keys": union, "versions": versions}}))
win = load(f"{kb}/windows_narrative_memory__2025-03-24_4536f00.json")
put(f"agent-s/windows_narrative_memory__2025-03-24_4536f00.json", js({k: win[k] for k in list(win)[:1]}))

# --- tau-bench: 3 trajectories (two trials of task 0, one of task 1), messages cut to the first 4 ----------------
tb = load("tau_bench/gpt-4o-airline.json")
recs = [r for r in tb if r["task_id"] == 0][:1] + [r for r in tb if r["task_id"] == 1][:1]
put("tau-bench/gpt-4o-airline.json", js([{**recs[0], "traj": recs[0]["traj"][:3]}, {**recs[1], "traj": recs[1]["traj"][1:3]}]))  # the 2nd without its system message

# --- Malformed variants ----------------------------------------------------------------------------------------------
put("malformed/voyager/ckpt_broken/skill/skills.json", js({k: skills[k] for k in keep})[:1500])  # truncated JSON
put("malformed/voyager/ckpt_broken/skill/skill_files.json", "")  # empty file
put("malformed/voyager/ckpt_broken/curriculum/completed_tasks.json", js(["Mine 1 wood log", 42]))
put("malformed/voyager/ckpt_broken/events.jsonl", js({**chosen[0], "events": slim(chosen[0]["events"])}) + "\n{\"task\": \"Mine 1 wo\n[1, 2]\n")
odd = {"": {"code": "x"}, "weird name (copy)": {"code": skills["mineWoodLog"]["code"]}, "noCode": {"description": "d"}, "junk": 7}
put("malformed/voyager/ckpt_odd/skill/skills.json", js(odd))
rows = [js(cut_q(r)) for r in cum]
bad_mem = {**cut_q(cum[1]), "cheatsheet_after": None}  # raw-style record: the next state is missing
bad_mem["cheatsheet_before"] = bad_mem["cheatsheet_before"].replace("</memory_item>", "", 1)  # unclosed tag
put("malformed/dynamic-cheatsheet/AIME_2024/gpt-4o_DynamicCheatsheet_Cumulative.jsonl", "\n".join([rows[0], js(bad_mem), "[1, 2, 3]", "{\"idx\": 9}", rows[0][: len(rows[0]) // 2]]) + "\n")
put("malformed/ace-playbook/weird (copy) 30.txt", "stray preamble line\n## STRATEGIES\n[shr-00001] first rule\n  continued on a second line\n[shr-00001] same id again\n[shr-00002]\n")
put("malformed/ace-playbook/empty.txt", "\n\n")
put("malformed/ace-playbook/notes.csv", "a,b\n")
put("malformed/agent-s/ubuntu_episodic_memory__2024-11-29_7cd7c24_latest.json", js({k: ep1[k] for k in k1})[:2500])
put("malformed/agent-s/windows_narrative_memory__2025-03-24_4536f00.json", js({"a task": 5, "": "x", "ok task": win[list(win)[0]]}))
put("malformed/agent-s/notes.txt", "not memory\n")
py = lambda v: repr(v)  # Python repr, as tau-bench's own logs store traj/info
reprs = [{**r, "traj": py([{**r["traj"][0], "content": r["traj"][0]["content"][:1200]}] + r["traj"][1:3]), "info": py({"task": r["info"]["task"]})} for r in recs[:2]]
reprs[1]["traj"] = reprs[1]["traj"][:800]  # a repr cut mid-way
put("malformed/tau-bench/gpt-4o-airline.json", js(reprs + [{"task_id": 9}, "not a record"]))
put("malformed/empty/nothing.json", "   \n")
print("fixtures written to", OUT)
