import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseOptions } from './parse-options.js';
import { BrokerUrlError, parseBrokerUrl } from '../broker/broker-url.js';
import { logLevelOption } from './log-level-option.js';
import { createLogger } from '../log.js';
import { runProfile } from '../profile/run-profile.js';
import { runEchoProfile } from '../profile/run-echo-profile.js';
import { loadConfig } from '../config/load-config.js';
import { configFromCli } from '../config/config-from-cli.js';
import { ConfigError } from '../config/config-error.js';
import type { BridgeConfig } from '../config/config-types.js';
import { writeTrace } from '../profile/write-trace.js';
import { buildHistograms } from '../profile/latency-histograms.js';
import { formatNs, percentilesCsv, renderPercentileTable } from '../profile/percentile-table.js';
import { renderHtmlReport } from '../profile/html-report.js';
import { writePcapngFile } from '../profile/pcapng-writer.js';
import type { TraceHeader, TraceWorkload } from '../profile/trace-format.js';
import { parseIntegerOption, parseNumberOption } from './parse-number.js';
import { parseDurationMs } from './parse-duration.js';
import { createProgress } from './progress.js';
import { UsageError } from './usage-error.js';
import { makeOutputFolder } from './output-path.js';
import { INTERRUPTED_EXIT, interruptible } from './interrupt.js';

export const profileHelp = `dl7450-bridge profile [--rate N] [--size B[,B...]] [--qos 0|1|2] [--direction up|down|both]
                      [--duration T] [--broker URL] [--out DIR]
dl7450-bridge profile --port <line> | --config <bench.yaml> [--board NAME] [--echo-prefix P] [...]

Latency profile. Without --port/--config: a virtual DL-7450 behind the bridge (framed link on a
pty) exchanges messages with a host client through a broker on an open-loop schedule, while the
bridge stamps every packet. With --port or --config: a board of yours (physical, or sim) that
runs hil-tests/apps/echo_app.py; the host sends echo commands and times the round trips, split
at the bridge's stamps. Prints the percentiles (p50, p90, p99, p99.9, max) end to end and per segment — the
board, serial in, bridge in, broker, bridge out, serial out — and writes to DIR:

  trace.jsonl       every packet's stamps, every MQTT flow, every message (dl7450-bridge report reads it)
  percentiles.csv   the table, in nanoseconds
  capture.pcapng    the tunnelled packets as MQTT over TCP, for Wireshark / tshark
  report.html       percentile curves and latency over time; opens offline

  --rate N          messages per second, per direction (default 200)
  --size B,...      payload sizes in bytes, used in turn (default 64; at least 20 carry the stamps)
  --qos Q           0, 1 or 2 (default 1)
  --direction D     up (board -> host), down (host -> board) or both (default both)
  --duration T      how long the schedule runs: 10s, 500ms, 2m (default 5s)
  --broker URL      mqtt://host:port of a broker to go through (default: an embedded one)
  --port L          the board's line, as for run (a tty, pty:..., tcp://...), framed link
  --config FILE     a bench file; --board picks the board (default: the first)
  --echo-prefix P   echo_app.py's topic prefix (default dl7450/echo)
  --out DIR         where the files go (default: profile-<date>-<time> in this folder)
  --capture-secrets keep CONNECT passwords in the trace and pcapng (they are replaced by default)
  --log-level L     the bridge's log on stderr (default warn)

Latency is measured from the time each message was scheduled, so a stall counts against every
message it held up (no coordinated omission). Ctrl-C ends the schedule early: the messages sent
so far are drained and reported as usual (exit 130); a second Ctrl-C quits at once.
Exit codes: 0 done, 1 failed, 2 bad options, 130 interrupted.`;

function workloadFrom(values: Record<string, string | boolean | undefined>): TraceWorkload {
  const str = (k: string) => values[k] as string | undefined;
  const qos = parseIntegerOption('qos', str('qos'), 1, 0, 2);
  if (!Number.isInteger(qos)) throw new UsageError(`--qos must be 0, 1 or 2, got "${str('qos')}"`);
  const direction = str('direction') ?? 'both';
  if (direction !== 'up' && direction !== 'down' && direction !== 'both') throw new UsageError(`--direction must be up, down or both, got "${direction}"`);
  const sizes = (str('size') ?? '64').split(',').map((s) => parseNumberOption('size', s.trim(), 64, 20, 1_000_000));
  return {
    rate: parseNumberOption('rate', str('rate'), 200, 1, 100_000),
    sizes: sizes.map(Math.round),
    qos: qos as 0 | 1 | 2,
    direction,
    durationMs: parseDurationMs('duration', str('duration'), 5000),
  };
}

async function benchConfig(values: Record<string, string | boolean | undefined>): Promise<BridgeConfig> {
  try {
    if (typeof values.config === 'string') return await loadConfig(values.config);
    return configFromCli({ port: values.port as string, link: 'framed', broker: values.broker as string | undefined });
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(error.message);
    throw error;
  }
}

const stamp = () => new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);

export async function profileCommand(argv: string[]): Promise<number> {
  const { values } = parseOptions({
    args: argv,
    options: {
      rate: { type: 'string' },
      size: { type: 'string' },
      qos: { type: 'string' },
      direction: { type: 'string' },
      duration: { type: 'string' },
      broker: { type: 'string' },
      port: { type: 'string' },
      config: { type: 'string' },
      board: { type: 'string' },
      'echo-prefix': { type: 'string' },
      out: { type: 'string' },
      'capture-secrets': { type: 'boolean' },
      'log-level': { type: 'string' },
    },
    strict: true,
  });
  const echo = values.port !== undefined || values.config !== undefined;
  if (values.port !== undefined && values.config !== undefined) throw new UsageError('give --port or --config, not both');
  if (!echo && (values.board !== undefined || values['echo-prefix'] !== undefined)) throw new UsageError('--board and --echo-prefix go with --port or --config');
  if (echo && values.direction !== undefined && values.direction !== 'echo') throw new UsageError('a board of yours is profiled by round trips through echo_app.py: --direction does not apply');
  const workload = workloadFrom({ ...values, direction: echo ? undefined : values.direction });
  if (Math.floor((workload.durationMs * workload.rate) / 1000) === 0) {
    throw new UsageError(`--rate ${workload.rate} for --duration ${workload.durationMs} ms schedules no message: raise one of them`);
  }
  if (echo) workload.direction = 'echo';
  if (values.broker !== undefined && !/^(mqtt|tcp):\/\//.test(values.broker)) throw new UsageError(`--broker must be mqtt://host:port, got "${values.broker}"`);
  if (values.broker !== undefined) {
    // Checked here as typed, so a bad one is a usage error naming --broker, not the rig's failure.
    try {
      parseBrokerUrl(values.broker);
    } catch (error) {
      if (error instanceof BrokerUrlError) throw new UsageError(`--broker: ${error.message}`);
      throw error;
    }
  }
  const dir = values.out ?? `profile-${stamp()}`;
  await makeOutputFolder('out', dir);
  const logger = createLogger(logLevelOption(values['log-level'], 'warn'));
  let bar = createProgress(1, 'profile');
  const progress = (sent: number, total: number): void => {
    if (sent === 1) bar = createProgress(total, 'profile');
    bar.update(sent);
  };
  const config = echo ? await benchConfig(values) : undefined;
  const interrupt = interruptible('ending the schedule; the messages sent are drained and reported');
  const { signal } = interrupt;
  const w = workload;
  process.stdout.write(`profile: ${w.rate} msg/s ${w.direction}, QoS ${w.qos}, ${w.sizes.join('/')} B, ${w.durationMs} ms; files in ${dir}\n`);
  const run = config
    ? await runEchoProfile({ config, board: values.board, prefix: values['echo-prefix'] ?? 'dl7450/echo', workload, logger, progress, signal })
    : await runProfile({ workload, brokerUrl: values.broker?.replace(/^tcp:/, 'mqtt:'), captureSecrets: values['capture-secrets'] ?? false, logger, progress, signal });
  interrupt.dispose();
  bar.finish();
  const header = run.records[0] as TraceHeader;
  // Marked in the trace itself, so report and the HTML say so too, not only this console.
  if (run.interrupted) header.interrupted = { messagesSent: run.sent };
  const sameClock = header.clock.source === 'same-clock' ? '; same clock: a virtual board' : '';
  const clock = 'error' in run.clock ? `clock sync failed: ${run.clock.error}` : `board clock offset ${formatNs(run.clock.offsetNs)} ± ${formatNs(run.clock.boundNs)} (${run.clock.samples} TIME exchanges${sameClock})`;
  const histograms = buildHistograms(run.records);
  const paths = { trace: join(dir, 'trace.jsonl'), csv: join(dir, 'percentiles.csv'), pcapng: join(dir, 'capture.pcapng'), html: join(dir, 'report.html') };
  await writeTrace(paths.trace, run.records);
  await writeFile(paths.csv, percentilesCsv(histograms));
  const pcapPackets = await writePcapngFile(paths.pcapng, run.records, BigInt(header.t0EpochNs));
  await writeFile(paths.html, renderHtmlReport(run.records, { title: `profile ${header.startedAt}`, histograms }));
  process.stdout.write(
    [
      ...(run.interrupted ? [`INTERRUPTED: the schedule was ended early; ${run.sent} messages sent, all reported below`] : []),
      `workload: ${w.rate} msg/s ${w.direction}, QoS ${w.qos}, ${w.sizes.join('/')} B, ${w.durationMs} ms`,
      clock,
      `messages: ${run.sent} sent, ${run.received} received, ${run.lost} lost; MQTT flows left open: ${run.unclosed}`,
      '',
      renderPercentileTable(histograms),
      '',
      `trace:   ${paths.trace}`,
      `csv:     ${paths.csv}`,
      `pcapng:  ${paths.pcapng} (${pcapPackets} MQTT packets)`,
      `report:  ${paths.html}`,
      '',
    ].join('\n'),
  );
  if (run.interrupted) return INTERRUPTED_EXIT;
  return run.lost > 0 ? 1 : 0;
}
