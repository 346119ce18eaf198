import type { Readable, Writable } from "node:stream";

/** Where a command reads and writes; main.ts passes the process streams, tests may pass their own. */
export interface CommandIo {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
}

/** One `tf` sub-command. Add a file in commands/ and a line in commands/index.ts. */
export interface Command {
  /** Word(s) after `tf`, e.g. `extract` or `audit verify`. */
  name: string;
  summary: string;
  usage: string;
  /** Returns the exit code. Throw CliError for a user-facing failure. */
  run(args: readonly string[], io: CommandIo): Promise<number>;
}

/** A failure to report as `tf <command>: <message>` with an exit code (2 = usage, 1 = everything else). */
export class CliError extends Error {
  readonly exitCode: number;

  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = "CliError";
    this.exitCode = exitCode;
  }
}

/** Splits `--flag` options from positional arguments; unknown flags are a usage error. */
export function parseArgs(
  args: readonly string[],
  flags: readonly string[],
): { positional: string[]; flags: Set<string> } {
  const positional: string[] = [];
  const seen = new Set<string>();
  for (const arg of args) {
    if (arg.startsWith("--")) {
      if (!flags.includes(arg)) throw new CliError(`unknown option ${arg}`, 2);
      seen.add(arg);
    } else {
      positional.push(arg);
    }
  }
  return { positional, flags: seen };
}

/** Writes and waits for the stream to accept the data (back-pressure for large outputs). */
export async function write(stream: Writable, text: string): Promise<void> {
  if (!stream.write(text)) await new Promise<void>((resolve) => stream.once("drain", resolve));
}
