/**
 * Token counts with a real BPE tokenizer: gpt-tokenizer's default encoding, o200k_base (GPT-4o family).
 * Counts differ a little between tokenizers; reports say which encoding was used.
 */
import { countTokens as bpeCount } from "gpt-tokenizer";

export const TOKEN_ENCODING = "o200k_base";

export function countTokens(text: string): number {
  return text.length === 0 ? 0 : bpeCount(text);
}
