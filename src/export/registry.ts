/**
 * The converter registry, keyed by tfjs className. Registration is explicit (no import side effects) and an
 * entry can never be overwritten, so two converters for one layer kind is an error, not a silent winner.
 */
import { CuratorError } from "../errors.js";
import { activationConverter } from "./converters/activation.js";
import { denseConverter } from "./converters/dense.js";
import { dropoutConverter } from "./converters/dropout.js";
import type { Converter } from "./converters/types.js";

export class ConverterRegistry {
  private readonly entries = new Map<string, Converter>();

  register(converter: Converter): this {
    if (this.entries.has(converter.className)) {
      throw new Error(
        `A converter for tfjs layer '${converter.className}' is already registered; registries refuse to overwrite.`,
      );
    }
    this.entries.set(converter.className, converter);
    return this;
  }

  has(className: string): boolean {
    return this.entries.has(className);
  }

  /** The supported tfjs layer kinds, sorted. */
  supported(): string[] {
    return [...this.entries.keys()].sort();
  }

  get(className: string): Converter {
    const c = this.entries.get(className);
    if (!c) {
      throw new CuratorError(
        "UNSUPPORTED",
        `The ONNX exporter has no converter for the tfjs layer '${className}'. Supported layers: ${this.supported().join(", ")}. Train with those layers, or add a converter in src/export/converters/ and register it in src/export/registry.ts.`,
      );
    }
    return c;
  }
}

export const BUILTIN_CONVERTERS: readonly Converter[] = [denseConverter, activationConverter, dropoutConverter];

/** A fresh registry holding the built-in converters (a new one each call, so callers may extend it). */
export function defaultRegistry(): ConverterRegistry {
  const r = new ConverterRegistry();
  for (const c of BUILTIN_CONVERTERS) r.register(c);
  return r;
}
