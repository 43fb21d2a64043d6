import { lstat, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseOptions } from './parse-options.js';
import { logLevelOption } from './log-level-option.js';
import { portPreflightProblems } from '../daemon/port-preflight.js';
import { loadConfig } from '../config/load-config.js';
import { configFromCli } from '../config/config-from-cli.js';
import { ConfigError } from '../config/config-error.js';
import { startDaemon } from '../daemon/daemon.js';
import { createLogger } from '../log.js';
import { UsageError } from './usage-error.js';
import { startControlServer } from '../control/control-server.js';
import { controlHandlers } from '../control/control-handlers.js';
import { ownControlPath } from '../control/control-path.js';
import type { BridgeConfig } from '../config/config-types.js';
import { createBridgeMetrics } from '../metrics/bridge-metrics.js';
import { MetricsListenError, parseMetricsListen, startMetricsServer } from '../metrics/metrics-server.js';
import { hostPort } from '../../drivers/listen/accepted-link.js';

export const runHelp = `dl7450-bridge run --port <line> [--link framed|raw] [--broker <url>]
dl7450-bridge run --config <bench.yaml>

Runs the bridge: for each board link a session that opens broker connections for the board's
MQTT clients and tunnels their packets both ways, until Ctrl-C.

  --port L          the board's line: a tty path (/dev/ttyACM0), serial:/dev/ttyUSB0?baud=921600,
                    pty:/tmp/board0 (a pty the bridge creates), tcp://host:port (a serial server),
                    or listen://127.0.0.1:7000 (boards connect to the bridge over TCP)
  --link M          framed (the DL-7450 link protocol, default) or raw (plain MQTT on the line)
  --broker URL      where the board's connections go (tcp://host:1883 ...), whatever URL the board
                    asks for; without it an embedded broker starts on a free loopback port
  --config FILE     a bench file (JSON or YAML) describing several boards; see bridge/config/bench.example.yaml
  --log-level L     fatal, error, warn, info (default), debug, trace — JSON lines on stderr
  --control PATH    the control socket that dl7450-bridge power talks to (default: <pid>.sock in
                    $XDG_RUNTIME_DIR/dl7450-bridge/, else in the temp folder; power finds it by board)
  --metrics [H:]P   serve Prometheus metrics at http://H:P/metrics (H default 127.0.0.1: another host
                    makes them reachable from the network; P 0 = any free port); overrides the
                    bench file's metrics:

Exit codes: 0 stopped by a signal (SIGINT, SIGTERM, SIGHUP), 1 failed to start, 2 bad options or config.`;

async function resolveConfig(values: Record<string, string | undefined>): Promise<BridgeConfig> {
  if (values.config !== undefined) {
    for (const flag of ['port', 'link', 'broker'] as const) {
      if (values[flag] !== undefined) throw new UsageError(`--${flag} cannot be combined with --config (set it in the file)`);
    }
    return loadConfig(values.config);
  }
  if (values.port === undefined) throw new UsageError('give --port <line> or --config <file> (see dl7450-bridge run --help)');
  return configFromCli({ port: values.port, link: values.link, broker: values.broker });
}

export async function runCommand(argv: string[]): Promise<number> {
  const { values } = parseOptions({
    args: argv,
    options: { port: { type: 'string' }, link: { type: 'string' }, broker: { type: 'string' }, config: { type: 'string' }, 'log-level': { type: 'string' }, control: { type: 'string' }, metrics: { type: 'string' } },
    strict: true,
  });
  // Listened for from the start: a signal during startup stops the bridge once it is up (its
  // ptys and sockets removed) instead of killing it half-made. SIGHUP: its terminal went away.
  const stopRequested = new Promise<void>((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, () => resolve());
  });
  let config: BridgeConfig;
  try {
    config = await resolveConfig(values);
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(error.message);
    throw error;
  }
  const metricsListen = values.metrics ?? config.metrics;
  if (values.metrics !== undefined) checkMetricsOption(values.metrics);
  const logger = createLogger(logLevelOption(values['log-level'], config.log.level));
  const unopenable = await portPreflightProblems(config.boards);
  if (unopenable.length > 0) throw new UsageError(unopenable.join('\n'));
  if (values.control !== undefined) {
    // listen() on a socket in a missing folder says EACCES; say what is wrong, before starting.
    const folder = await stat(dirname(resolve(values.control))).catch(() => undefined);
    if (!folder?.isDirectory()) throw new UsageError(`--control ${values.control}: the folder ${dirname(resolve(values.control))} does not exist`);
    const existing = await lstat(values.control).catch(() => undefined);
    if (existing && !existing.isSocket()) throw new UsageError(`--control ${values.control}: it exists and is not a socket; give another path or remove it`);
  }
  const daemon = await startDaemon(config, logger);
  // Watching starts before any await, so no board's first link-up goes uncounted.
  const metrics = metricsListen === undefined ? undefined : createBridgeMetrics(daemon, { logger });
  let metricsServer: Awaited<ReturnType<typeof startMetricsServer>> | undefined;
  let control: Awaited<ReturnType<typeof startControlServer>>;
  try {
    control = await startControlServer(values.control ?? (await ownControlPath()), controlHandlers(daemon), logger);
  } catch (error) {
    metrics?.stop();
    await daemon.stop();
    throw error;
  }
  try {
    if (metrics && metricsListen !== undefined) metricsServer = await startMetricsServer(metricsListen, metrics.registry, logger);
  } catch (error) {
    metrics?.stop();
    await control.close();
    await daemon.stop();
    throw error;
  }
  if (daemon.embeddedBrokerUrl) process.stdout.write(`embedded broker: ${daemon.embeddedBrokerUrl}\n`);
  for (const board of config.boards) {
    const at = daemon.listening[board.name];
    const where = at ? `listening on ${hostPort(at.host, at.port)}` : board.port;
    process.stdout.write(`board ${board.name}: ${where} (${board.link})\n`);
  }
  process.stdout.write(`control socket: ${control.path} (dl7450-bridge power cut|on|cycle <board>)\n`);
  if (metricsServer) process.stdout.write(`metrics: ${metricsServer.url}\n`);
  await stopRequested;
  await metricsServer?.close();
  metrics?.stop();
  await control.close();
  await daemon.stop();
  return 0;
}

/** A bad --metrics is a usage error, found before anything starts. */
export function checkMetricsOption(value: string): void {
  try {
    parseMetricsListen(value);
  } catch (error) {
    if (error instanceof MetricsListenError) throw new UsageError(`--metrics: ${error.message}`);
    throw error;
  }
}
