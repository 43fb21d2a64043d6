import { writeFile } from 'node:fs/promises';
import { parseOptions } from './parse-options.js';
import { logLevelOption } from './log-level-option.js';
import { parseBrokerUrl } from '../broker/broker-url.js';
import { DEFAULT_CHAOS, runChaos } from '../campaign/run-chaos.js';
import { formatChaosReport } from '../campaign/chaos-report.js';
import { campaignBrokerChoice } from '../campaign/campaign-broker.js';
import { createLogger } from '../log.js';
import { CUT_PROFILES, type CutProfile } from '../session/cut-profile.js';
import { parseIntegerOption } from './parse-number.js';
import { createProgress } from './progress.js';
import { UsageError } from './usage-error.js';
import { checkOutputFile } from './output-path.js';
import { INTERRUPTED_EXIT, interruptible } from './interrupt.js';

export const chaosHelp = `dl7450-bridge chaos --cuts N [--seed S] [options]

A power-cut campaign: a virtual DL-7450 (its app publishing QoS 0/1/2 and receiving QoS 0/1/2
from a backend) through the bridge to a broker, its power cut N times at seeded random moments
by the power strategy. Then every message is accounted for: each publish the app saw confirmed
arrives (QoS 1 at least once, QoS 2 exactly once), each QoS 1/2 message the broker accepted for
the board's persistent session reaches the app after it comes back, and every will due arrives.
QoS 0 losses are counted, not failed. The same seed gives the same cuts.

  --cuts N          number of power cuts (required)
  --seed S          the campaign's seed (default: random, printed)
  --profiles LIST   cut profiles to draw from, e.g. rst,fin (default rst,fin; silent waits 1.5 x
                    keep_alive per cut)
  --broker URL      a broker (tcp://127.0.0.1:1883); default: a Mosquitto of its own when
                    installed, else the embedded Aedes
  --uptime A-B      board uptime before each cut, ms (default ${DEFAULT_CHAOS.uptimeMs.join('-')})
  --off A-B         time without power, ms (default ${DEFAULT_CHAOS.offMs.join('-')})
  --report FILE     the JSON report (default chaos-<seed>.json)
  --log-level L     the bridge's log on stderr (default error: every cut is a link-down warning)

Ctrl-C ends it after the cut under way, with the drain and the report as usual (exit 130);
a second Ctrl-C quits at once.

Exit codes: 0 passed, 1 a guarantee was broken (see the report), 2 bad options, 130 interrupted.`;

function range(name: string, raw: string | undefined, fallback: [number, number]): [number, number] {
  if (raw === undefined) return fallback;
  const m = /^(\d+)-(\d+)$/.exec(raw);
  if (!m || Number(m[1]) > Number(m[2])) throw new UsageError(`--${name} must be a range of ms such as 100-500, got "${raw}"`);
  return [Number(m[1]), Number(m[2])];
}

export async function chaosCommand(argv: string[]): Promise<number> {
  const { values } = parseOptions({
    args: argv,
    options: {
      cuts: { type: 'string' },
      seed: { type: 'string' },
      profiles: { type: 'string' },
      broker: { type: 'string' },
      uptime: { type: 'string' },
      off: { type: 'string' },
      report: { type: 'string' },
      'log-level': { type: 'string' },
    },
    strict: true,
  });
  if (values.cuts === undefined) throw new UsageError('give --cuts <N> (see dl7450-bridge chaos --help)');
  const cuts = parseIntegerOption('cuts', values.cuts, 0, 1, 1_000_000);
  const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : parseIntegerOption('seed', values.seed, 0, 0, 2 ** 32 - 1);
  const profiles = (values.profiles ?? DEFAULT_CHAOS.profiles.join(',')).split(',') as CutProfile[];
  for (const p of profiles) if (!CUT_PROFILES.includes(p)) throw new UsageError(`--profiles: "${p}" is not one of ${CUT_PROFILES.join(', ')}`);
  if (values.broker !== undefined) {
    try {
      parseBrokerUrl(values.broker);
    } catch (error) {
      throw new UsageError(`--broker: ${(error as Error).message}`);
    }
  }
  const uptimeMs = range('uptime', values.uptime, DEFAULT_CHAOS.uptimeMs);
  const offMs = range('off', values.off, DEFAULT_CHAOS.offMs);
  const report = values.report ?? `chaos-${seed}.json`;
  await checkOutputFile('report', report);
  // Every cut takes a link down, a warning in a bridge's log but expected here.
  const logger = createLogger(logLevelOption(values['log-level'], 'error'));
  // Installed before the first line: whoever reads it may press Ctrl-C at once.
  const interrupt = interruptible('finishing the cut under way, then the drain and the report');
  process.stdout.write(`chaos: ${cuts} cuts, seed ${seed} (replay with --seed ${seed}), profiles ${profiles.join(',')}\n`);
  if (values.broker === undefined) {
    const own = campaignBrokerChoice();
    process.stdout.write(
      own.mosquitto
        ? `broker: ${own.description}, started for this run\n`
        : 'broker: embedded Aedes (mosquitto is not installed), which sends a QoS 2 PUBLISH again after the PUBREC across reconnects; for a verdict on the board, install mosquitto or give --broker\n',
    );
  }
  const progress = createProgress(cuts, 'cuts');
  let failedCuts = 0;
  const result = await runChaos(
    {
      signal: interrupt.signal,
      ...DEFAULT_CHAOS,
      cuts,
      seed,
      profiles,
      broker: values.broker?.replace(/^tcp:/, 'mqtt:'),
      uptimeMs,
      offMs,
    },
    logger,
    (done, cut) => {
      if (!cut.ok) failedCuts++;
      progress.update(done, `cut ${done}: ${cut.profile}${cut.willMs === undefined ? '' : `, will +${cut.willMs.toFixed(1)} ms`}${failedCuts ? `, ${failedCuts} failed` : ''}`);
    },
  );
  interrupt.dispose();
  progress.finish();
  await writeFile(report, `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`${formatChaosReport(result)}\n\nreport: ${report}\n`);
  if (result.interrupted) return INTERRUPTED_EXIT;
  return result.passed ? 0 : 1;
}
