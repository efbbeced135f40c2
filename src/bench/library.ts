/**
 * A synthetic library file for the decide benchmark: prose-like items (Zipf-distributed words from a 20k-word
 * vocabulary, 12–60 words each), with near-duplicates (8%: an earlier item with a few words changed) and exact
 * copies (1%), usage statistics, token counts (as a harness logs them) and no `similarity`, so decide has to
 * find the near-duplicates itself. Written line by line; the same seed gives the same bytes.
 */
import { createWriteStream } from "node:fs";
import { once } from "node:events";
import { Rng } from "../util/rng.js";

const VOCAB = 20_000;

function vocabulary(rng: Rng): string[] {
  const syllables = [
    "ka",
    "lo",
    "mi",
    "ne",
    "ru",
    "ta",
    "si",
    "po",
    "de",
    "fa",
    "gu",
    "hi",
    "ja",
    "be",
    "zo",
    "wu",
    "ch",
    "st",
    "tr",
    "an",
    "er",
    "in",
    "on",
    "ex",
  ];
  return Array.from({ length: VOCAB }, () =>
    Array.from({ length: 1 + rng.int(3) }, () => syllables[rng.int(syllables.length)]).join(""),
  );
}

export async function writeBenchLibrary(path: string, items: number, seed = 1): Promise<void> {
  const rng = new Rng([seed, 0x11b]);
  const vocab = vocabulary(rng);
  // Zipf(1) by inverse CDF over ranks: rank ≈ exp(u · ln V).
  const word = () => vocab[Math.min(VOCAB - 1, Math.floor(Math.exp(rng.next() * Math.log(VOCAB))) - 1)];
  const recent: string[] = [];
  const out = createWriteStream(path);
  for (let i = 0; i < items; i++) {
    const r = rng.next();
    let content: string;
    if (recent.length > 0 && r < 0.08) {
      const words = recent[rng.int(recent.length)].split(" ");
      for (let e = 0, edits = 1 + rng.int(3); e < edits; e++) words[rng.int(words.length)] = word();
      content = words.join(" ");
    } else if (recent.length > 0 && r < 0.09) content = recent[rng.int(recent.length)];
    else content = Array.from({ length: 12 + rng.int(49) }, word).join(" ");
    if (recent.length < 5000) recent.push(content);
    else recent[rng.int(recent.length)] = content;
    const createdAt = rng.int(5000);
    const timesRetrieved = rng.int(40);
    const successes = rng.int(timesRetrieved + 1);
    const item = {
      id: `item-${i}`,
      kind: rng.next() < 0.3 ? "skill" : "context",
      content,
      author: rng.next() < 0.5 ? "mid" : "strong",
      tokens: Math.round(content.length / 3.2),
      stats: {
        createdAt,
        lastRetrievedAt: timesRetrieved ? createdAt + rng.int(5000 - createdAt + 1) : null,
        timesRetrieved,
        successes,
        failures: timesRetrieved - successes,
        rewrites: rng.int(3),
        compressions: rng.int(2),
      },
    };
    if (!out.write(`${JSON.stringify(item)}\n`)) await once(out, "drain");
  }
  out.end();
  await once(out, "finish");
}
