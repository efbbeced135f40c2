/**
 * Line-by-line file access for the files of a library folder (library, archive, audit log), which grow
 * without bound: nothing here ever holds a whole file as one string (V8 caps a string at ~512 MiB).
 * Reading checks UTF-8 strictly, per line, so a bad byte is reported with its line number instead of being
 * silently replaced by U+FFFD.
 */
import { closeSync, fsyncSync, openSync, readSync, writeSync } from "node:fs";
import { CuratorError } from "../errors.js";

const CHUNK = 1 << 20;
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/**
 * Calls `onLine(text, lineNumber)` for every line of `path` (1-based; "\n" or "\r\n" ends a line; a BOM on
 * line 1 is dropped; a final line without "\n" is still a line). Invalid UTF-8 is an INVALID_FILE error
 * naming the line. `onLine` may return false to stop early.
 */
export function forEachLine(path: string, onLine: (text: string, line: number) => boolean | void): void {
  const fd = openSync(path, "r");
  try {
    const buf = Buffer.allocUnsafe(CHUNK);
    let carry: Buffer | null = null;
    let line = 0;
    const emit = (bytes: Buffer): boolean => {
      line++;
      let end = bytes.length;
      if (end > 0 && bytes[end - 1] === 0x0d) end--;
      let text: string;
      try {
        text = utf8.decode(bytes.subarray(0, end));
      } catch {
        throw new CuratorError(
          "INVALID_FILE",
          `'${path}' line ${line}: not valid UTF-8 (${badByteAt(bytes)}). Save the file as UTF-8 and retry.`,
        );
      }
      if (line === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      return onLine(text, line) !== false;
    };
    for (;;) {
      const n = readSync(fd, buf, 0, CHUNK, null);
      if (n === 0) break;
      let chunk = buf.subarray(0, n);
      let start = 0;
      for (;;) {
        const nl = chunk.indexOf(0x0a, start);
        if (nl < 0) break;
        const piece = chunk.subarray(start, nl);
        const whole = carry ? Buffer.concat([carry, piece]) : piece;
        carry = null;
        if (!emit(whole)) return;
        start = nl + 1;
      }
      if (start < chunk.length) {
        chunk = chunk.subarray(start);
        carry = carry ? Buffer.concat([carry, chunk]) : Buffer.from(chunk);
      }
    }
    if (carry && carry.length > 0) emit(carry);
  } finally {
    closeSync(fd);
  }
}

/** Where the first invalid UTF-8 sequence of a line starts (only called once decoding has failed). */
function badByteAt(bytes: Buffer): string {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    const len = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    let ok = len > 0 && i + len <= bytes.length;
    for (let k = 1; ok && k < len; k++) ok = (bytes[i + k] & 0xc0) === 0x80;
    if (ok && len > 1) {
      try {
        utf8.decode(bytes.subarray(i, i + len));
      } catch {
        ok = false;
      }
    }
    if (!ok) return `byte ${i + 1} of the line is 0x${b.toString(16).padStart(2, "0")}`;
    i += len;
  }
  return "an invalid byte sequence";
}

/** Bytes LineWriter gathers before each write to the file. */
const WRITE_CHUNK = 4 << 20;

/**
 * Appends text to a file through a buffer the text is encoded straight into (no joined string, no second
 * copy); `close()` flushes and fsyncs, so a later rename publishes whole data.
 */
export class LineWriter {
  private fd: number;
  private buf = Buffer.allocUnsafe(WRITE_CHUNK);
  private used = 0;

  constructor(path: string, flags: "w" | "a" = "w") {
    this.fd = openSync(path, flags);
  }

  write(text: string): void {
    // A UTF-16 code unit never takes more than 3 bytes of UTF-8, so text of this length always fits whole.
    if (this.used + text.length * 3 > this.buf.length) {
      this.flush();
      if (text.length * 3 > this.buf.length) return this.writeBytes(Buffer.from(text, "utf8"));
    }
    this.used += this.buf.write(text, this.used, "utf8");
  }

  /** One JSON value as one line. */
  writeJson(value: unknown): void {
    this.write(`${JSON.stringify(value)}\n`);
  }

  private flush(): void {
    this.writeBytes(this.buf.subarray(0, this.used));
    this.used = 0;
  }

  private writeBytes(bytes: Uint8Array): void {
    for (let at = 0; at < bytes.length;) at += writeSync(this.fd, bytes, at, bytes.length - at);
  }

  close(): void {
    try {
      this.flush();
      fsyncSync(this.fd);
    } finally {
      closeSync(this.fd);
    }
  }
}
