#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../streams/framing/load-addon.js';
import { UsageError } from './cli/usage-error.js';
import { selftestCommand, selftestHelp } from './cli/selftest-command.js';
import { portsCommand, portsHelp } from './cli/ports-command.js';
import { demoCommand, demoHelp } from './cli/demo-command.js';
import { runCommand, runHelp } from './cli/run-command.js';
import { simCommand, simHelp } from './cli/sim-command.js';
import { powerCommand, powerHelp } from './cli/power-command.js';
import { chaosCommand, chaosHelp } from './cli/chaos-command.js';
import { profileCommand, profileHelp } from './cli/profile-command.js';
import { reportCommand, reportHelp } from './cli/report-command.js';

type Command = { run: (argv: string[]) => Promise<number>; help: string; summary: string };

const commands: Record<string, Command> = {
  run: { run: runCommand, help: runHelp, summary: 'run the bridge: board links tunnelled to a broker (--port ... or --config ...)' },
  sim: { run: simCommand, help: simHelp, summary: 'a virtual DL-7450 behind a pty, in its own process, for run --port to attach to' },
  power: { run: powerCommand, help: powerHelp, summary: 'cut, restore or cycle a board\'s power through the running bridge, with the will timeline' },
  chaos: { run: chaosCommand, help: chaosHelp, summary: 'a seeded power-cut campaign, every message accounted for (virtual board)' },
  report: { run: reportCommand, help: reportHelp, summary: 'latency report from a profile trace: percentile table, HTML with curves, CSV' },
  profile: { run: profileCommand, help: profileHelp, summary: 'latency profile through the bridge (virtual board): percentiles, trace, pcapng, HTML report' },
  demo: { run: demoCommand, help: demoHelp, summary: 'embedded broker + virtual board + bridge: traffic both ways and a will (nothing to install)' },
  selftest: { run: selftestCommand, help: selftestHelp, summary: 'link self-test over a real pty with injected faults (no board, no broker)' },
  ports: { run: portsCommand, help: portsHelp, summary: 'list serial ports with USB ids and serial numbers' },
};

function version(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}

const usage = `dl7450-bridge — hardware-in-the-loop MQTT bridge for DisplayLink DL-7450 boards

usage: dl7450-bridge <command> [options]

${Object.entries(commands)
  .map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`)
  .join('\n')}

'dl7450-bridge <command> --help' describes a command.`;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${usage}\n`);
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-V') {
    process.stdout.write(`${version()}\n`);
    return 0;
  }
  const command = commands[name];
  if (!command) throw new UsageError(`unknown command "${name}" (commands: ${Object.keys(commands).join(', ')})`);
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${command.help}\n`);
    return 0;
  }
  return command.run(rest);
}

// Output piped into a reader that stops early (`report trace.jsonl | head`): what it did not
// want is dropped, and the command still finishes (files it writes, its exit code).
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const usageProblem = error instanceof UsageError || (error as { code?: string })?.code?.startsWith('ERR_PARSE_ARGS');
    process.stderr.write(`dl7450-bridge: ${(error as Error)?.message ?? String(error)}\n`);
    process.exitCode = usageProblem ? 2 : 1;
  },
);
