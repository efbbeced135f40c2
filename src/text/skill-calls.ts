/**
 * Which skills call which, parsed from the code (JavaScript, as Voyager writes skills): the one definition used by
 * the structural rules (src/governance/structure.ts: a called skill is never retired) and by the featurizer's
 * referenced-by count (src/features/content.ts). The rules are spelled out in structure.ts's header.
 */
/** What call parsing reads of an item (a library line's fields; no schema import keeps text/ a leaf). */
type Item = { id: string; kind: "skill" | "context"; content: string };

const DECLARATION =
  /(?:async\s+)?function\s*\*?\s*([A-Za-z_$][\w$]*)\s*\(|(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*=\s*(?:async\s*)?(?:function\b|\([^)]*\)\s*=>)/g;

/** Names of the functions a piece of code declares, in order. */
export function declaredFunctions(code: string): string[] {
  return declaredIn(stripJsNoise(code));
}

function declaredIn(stripped: string): string[] {
  return [...stripped.matchAll(DECLARATION)].map((m) => m[1] ?? m[2]);
}

/**
 * A skill's name: its id's last segment when the code declares that function, else the last function it declares
 * (Voyager's convention: helpers first, the main function last), else the id's last segment.
 */
export function skillName(item: Pick<Item, "id" | "content">): string {
  return nameOf(item.id, declaredFunctions(item.content));
}

function nameOf(id: string, declared: readonly string[]): string {
  const saved = (id.split("/").pop() ?? id).replace(/@v\d+$/, "");
  if (declared.includes(saved) || declared.length === 0) return saved;
  return declared[declared.length - 1];
}

/** Code with comments and string / template literals blanked, so a name in a chat message is not a call. */
export function stripJsNoise(code: string): string {
  return code.replace(
    /\/\*[\s\S]*?\*\/|\/\/[^\n]*|`(?:\\[\s\S]|[^`\\])*`|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'/g,
    " ",
  );
}

/** A skill's code as call parsing reads it: stripped once, its declarations and name taken from that. */
interface ParsedSkill {
  code: string;
  declared: string[];
  name: string;
}

function parseSkill(item: Item): ParsedSkill {
  const code = stripJsNoise(item.content);
  const declared = declaredIn(code);
  return { code, declared, name: nameOf(item.id, declared) };
}

/** For each skill row, the rows of the skills it calls (context items call nothing and are never called). */
export function skillCalls(items: readonly Item[]): number[][] {
  const skills = items.map((it) => (it.kind === "skill" ? parseSkill(it) : null));
  const byName = new Map<string, number>();
  skills.forEach((s, r) => {
    if (s && !byName.has(s.name)) byName.set(s.name, r);
  });
  return skills.map((s, r) => {
    if (!s || byName.size === 0) return [];
    // A name the skill declares itself (its own helper, or a copy of the callee) is not a call into the library.
    const own = new Set(s.declared);
    const out = new Set<number>();
    for (const m of s.code.matchAll(/(?<![\w$.])([A-Za-z_$][\w$]*)\s*\(/g)) {
      const callee = byName.get(m[1]);
      if (callee !== undefined && callee !== r && !own.has(m[1]) && items[callee].kind === "skill") out.add(callee);
    }
    return [...out].sort((a, b) => a - b);
  });
}
