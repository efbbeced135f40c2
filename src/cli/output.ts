import cliProgress from "cli-progress";

export interface GlobalArgs {
  json: boolean;
  debug: boolean;
}

/** Prints the machine-readable summary (with --json) or the human text, on stdout. */
export function emit(args: GlobalArgs, summary: unknown, human: string): void {
  if (args.json) process.stdout.write(`${JSON.stringify(summary, bigintSafe, 2)}\n`);
  else process.stdout.write(human.endsWith("\n") ? human : `${human}\n`);
}

export function bigintSafe(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? Number(value) : value;
}

export type ProgressFn = (done: number, total: number, label?: string) => void;

/** A progress bar on stderr (only when stderr is a terminal); returns the callback and a stop function. */
export function progressBar(label: string): { onProgress: ProgressFn; stop: () => void } {
  if (!process.stderr.isTTY) {
    let lastPct = -1;
    return {
      onProgress: (done, total, sub) => {
        const pct = total ? Math.floor((100 * done) / total / 25) * 25 : 0;
        if (pct !== lastPct) {
          lastPct = pct;
          process.stderr.write(`${label}${sub ? ` ${sub}` : ""}: ${pct}%\n`);
        }
      },
      stop: () => {},
    };
  }
  const bar = new cliProgress.SingleBar(
    { format: `${label} [{bar}] {percentage}% | {value}/{total} {sub}`, stream: process.stderr, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    onProgress: (done, total, sub) => {
      if (!started) {
        bar.start(total, done, { sub: sub ?? "" });
        started = true;
      } else {
        if (total !== bar.getTotal()) bar.setTotal(total);
        bar.update(done, { sub: sub ?? "" });
      }
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
}

/**
 * Runs `work` with a progress bar on stderr; the bar is stopped whether `work` succeeds or throws. With
 * `quietForMs`, nothing is shown until that much time has passed (quick runs stay silent).
 */
export async function withProgressBar<T>(
  label: string,
  work: (onProgress: ProgressFn) => Promise<T>,
  opts: { quietForMs?: number } = {},
): Promise<T> {
  const bar = progressBar(label);
  const showFrom = performance.now() + (opts.quietForMs ?? 0);
  try {
    return await work((done, total, sub) => {
      if (performance.now() >= showFrom) bar.onProgress(done, total, sub);
    });
  } finally {
    bar.stop();
  }
}
