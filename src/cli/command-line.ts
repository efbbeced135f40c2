/** The command as typed, recorded in manifests and cards so an artifact says how it was made. */
export function commandLine(): string {
  return ["curator", ...process.argv.slice(2)].map((a) => (/[\s"']/.test(a) ? JSON.stringify(a) : a)).join(" ");
}
