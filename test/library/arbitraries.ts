/** fast-check generators for libraries, governance rules and curators, shared by the library/governance tests. */
import fc from "fast-check";
import type { LiveItem } from "../../src/library/io.js";
import type { Governance } from "../../src/schemas/world.js";

export const TAGS = ["core", "safety", "deploy", "draft"] as const;
const WORDS = ["parse", "csv", "deploy", "retry", "api", "v2", "check", "cache", "token", "log", "the", "a", "use"];

const content = fc.oneof(
  fc.array(fc.constantFrom(...WORDS), { minLength: 0, maxLength: 14 }).map((w) => w.join(" ")),
  fc.string({ maxLength: 40 }),
);

const stats = fc.record(
  {
    createdAt: fc.integer({ min: 0, max: 200 }),
    lastRetrievedAt: fc.option(fc.integer({ min: 0, max: 250 }), { nil: null }),
    timesRetrieved: fc.nat(40),
    successes: fc.nat(30),
    failures: fc.nat(30),
    recentSuccesses: fc.nat(6),
    recentFailures: fc.nat(6),
    helpful: fc.nat(10),
    harmful: fc.nat(10),
    writtenAfterFailure: fc.boolean(),
    rewrites: fc.nat(3),
    compressions: fc.nat(3),
  },
  { requiredKeys: [] },
);

const itemBody = fc.record(
  {
    kind: fc.constantFrom("skill" as const, "context" as const),
    content,
    pinned: fc.boolean(),
    tags: fc.uniqueArray(fc.constantFrom(...TAGS), { maxLength: 3 }),
    author: fc.constantFrom("weak", "mid", "strong", "human"),
    tokens: fc.nat(3000),
    stats,
    similarity: fc.record({ max: fc.double({ min: 0, max: 1, noNaN: true }), nearDuplicates: fc.nat(5) }),
    meta: fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
    pending: fc.constantFrom("compress" as const, "rewrite" as const),
  },
  { requiredKeys: ["kind", "content"] },
);

/** A library of 0..maxItems items with unique ids; every optional field appears or not. */
export function libraryArb(maxItems = 30): fc.Arbitrary<LiveItem[]> {
  return (
    fc
      .uniqueArray(fc.string({ minLength: 1, maxLength: 10 }), { maxLength: maxItems })
      .chain((ids) =>
        fc.tuple(...ids.map(() => itemBody)).map((bodies) => bodies.map((b, i) => ({ id: ids[i], ...b }) as LiveItem)),
      )
      // Through JSON once, as a library file would carry it (e.g. -0 in meta becomes 0).
      .map((items) => JSON.parse(JSON.stringify(items)) as LiveItem[])
  );
}

export const governanceArb: fc.Arbitrary<Governance> = fc.record({
  maxChangeShare: fc.oneof(fc.constantFrom(0, 0.1, 0.5, 1), fc.double({ min: 0, max: 1, noNaN: true })),
  minAgeToRetire: fc.oneof(fc.constant(0), fc.nat(80)),
  protectedTags: fc.uniqueArray(fc.constantFrom(...TAGS), { maxLength: 2 }),
  protectedKinds: fc.uniqueArray(fc.constantFrom("skill" as const, "context" as const), { maxLength: 2 }),
});

export const curatorArb = fc.constantFrom("none", "random", "heuristic");
export const executorArb = fc.constantFrom("weak", "mid", "strong", "tiny", "frontier");
