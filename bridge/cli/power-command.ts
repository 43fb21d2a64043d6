import { parseOptions } from './parse-options.js';
import { controlRequest } from '../control/control-client.js';
import { findBridgeWithBoard } from '../control/control-path.js';
import { CUT_PROFILES } from '../session/cut-profile.js';
import { formatStep, type Timeline, type TimelineStep } from '../strategies/timeline.js';
import { parseNumberOption } from './parse-number.js';
import { UsageError } from './usage-error.js';

export const powerHelp = `dl7450-bridge power cut|on|cycle <board> [options]

Switches a board's power with the driver its bench file names (power: uhubctl, modem, command,
mqtt-plug, sim), through the running bridge that has the board, and prints the timeline as it
happens: the cut, the bridge dropping the board's broker connections (as the cut profile says),
each will an observer at the broker receives, and after power on the HELLO, each client's
CONNACK with session-present and the QoS 1/2 messages the broker kept for it.

  cut               power off; waits for the wills the broker owes
  on                power on; waits for the board's clients to connect again
  cycle             cut, --off-ms without power, on: one timeline
  --profile P       rst, fin or silent: what the broker sees (default: the board's cutProfile)
  --off-ms N        cycle: time without power (default 1000)
  --control PATH    the bridge's control socket (default: found by board name)
  --json            print the timeline as one JSON document instead

Exit codes: 0 every will due arrived (and the board came back), 1 something did not, 2 bad options.`;

const ACTIONS = ['cut', 'on', 'cycle'];

export async function powerCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseOptions({
    args: argv,
    options: { profile: { type: 'string' }, 'off-ms': { type: 'string' }, control: { type: 'string' }, json: { type: 'boolean' } },
    allowPositionals: true,
    strict: true,
  });
  const [action, board, ...extra] = positionals;
  if (!action || !ACTIONS.includes(action)) throw new UsageError(`give an action: ${ACTIONS.join(', ')} (see dl7450-bridge power --help)`);
  if (!board) throw new UsageError(`give the board's name: dl7450-bridge power ${action} <board>`);
  if (extra.length) throw new UsageError(`unexpected argument "${extra[0]}"`);
  if (values.profile !== undefined && !(CUT_PROFILES as readonly string[]).includes(values.profile)) throw new UsageError(`--profile must be one of ${CUT_PROFILES.join(', ')}, got "${values.profile}"`);
  if (values.profile !== undefined && action === 'on') throw new UsageError('--profile is for cut and cycle');
  const offMs = values['off-ms'] === undefined ? undefined : parseNumberOption('off-ms', values['off-ms'], 1000, 0, 3_600_000);
  // A board no bridge has is a wrong argument (exit 2), as an unknown action is.
  const asUsage = (error: Error & { usage?: boolean }): never => {
    throw error.usage ? new UsageError(error.message) : error;
  };
  const control = values.control ?? (await findBridgeWithBoard(board).catch(asUsage));
  const print = (s: TimelineStep) => !values.json && process.stdout.write(`${formatStep(s)}\n`);
  if (!values.json) process.stdout.write(`power ${action} ${board}${values.profile ? ` (profile ${values.profile})` : ''}\n`);
  const timeline = (await controlRequest(control, { op: 'power', board, action, profile: values.profile, offMs }, (s) => print(s as TimelineStep)).catch(asUsage)) as Timeline;
  if (values.json) process.stdout.write(`${JSON.stringify(timeline, null, 2)}\n`);
  else process.stdout.write(`${timeline.ok ? 'OK' : 'FAILED'}: ${summary(timeline)}\n`);
  return timeline.ok ? 0 : 1;
}

function summary(t: Timeline): string {
  const wills = t.steps.filter((s) => s.step === 'will');
  const parts: string[] = [];
  if (t.action !== 'on') parts.push(wills.length ? `${wills.length} will(s), the last ${wills.at(-1)?.atMs.toFixed(1)} ms after the cut` : 'no will received');
  const back = t.steps.filter((s) => s.step === 'connack');
  if (t.action !== 'cut') parts.push(`${back.length} client(s) back${back.length ? `, session present: ${back.map((s) => s.sessionPresent).join(', ')}` : ''}`);
  const problems = t.steps.filter((s) => s.step === 'error' || s.step === 'will-missing');
  return [...parts, ...problems.map((p) => p.detail)].join('; ');
}
