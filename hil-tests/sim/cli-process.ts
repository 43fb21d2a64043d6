import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { createMailbox, type Mailbox } from '../../drivers/boards/test-support/mailbox.js';

const cli = fileURLToPath(new URL('../../bridge/cli.ts', import.meta.url));

/** `dl7450-bridge <args>` in a child process, from the sources, its output as lines to wait on. */
export interface CliProcess {
  readonly pid: number;
  /** stdout lines not taken yet: take() consumes one, so the next take finds the next one. */
  readonly out: Mailbox<string>;
  /** Everything written so far, both streams, for failure messages. */
  text(): string;
  readonly exited: Promise<number | null>;
  signal(name: NodeJS.Signals): void;
  /** SIGKILL if still running; waits for the exit. */
  kill(): Promise<void>;
}

function splitLines(stream: Readable, onLine: (line: string) => void): void {
  let partial = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) onLine(line);
  });
}

export function startCli(args: string[], env: NodeJS.ProcessEnv = process.env): CliProcess {
  const child: ChildProcessByStdio<null, Readable, Readable> = spawn(process.execPath, ['--import', 'tsx', cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
  const out = createMailbox<string>();
  let text = '';
  splitLines(child.stdout, (line) => {
    text += `${line}\n`;
    out.put(line);
  });
  splitLines(child.stderr, (line) => (text += `[stderr] ${line}\n`));
  let code: number | null | undefined;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (c) => resolve((code = c))));
  return {
    pid: child.pid as number,
    out,
    text: () => text,
    exited,
    signal: (name) => void child.kill(name),
    async kill() {
      if (code === undefined) child.kill('SIGKILL');
      await exited;
    },
  };
}

/**
 * The first stdout line matching `pattern` (taken). Fails with the process's output if the
 * process exits first; the timeout is only a safety net.
 */
export async function takeLine(p: CliProcess, pattern: RegExp, timeoutMs = 30_000): Promise<string> {
  const died = p.exited.then((code) => {
    throw new Error(`exited with code ${code}`);
  });
  try {
    return await Promise.race([p.out.take((line) => pattern.test(line), String(pattern), timeoutMs), died]);
  } catch (error) {
    throw new Error(`waiting for ${pattern}: ${(error as Error).message}\noutput so far:\n${p.text()}`);
  }
}
