/** tfjs Dropout is the identity at inference, so it converts to no node at all. */
import type { Converter } from "./types.js";

export const dropoutConverter: Converter = {
  className: "Dropout",
  convert: (_layer, input) => input,
};
