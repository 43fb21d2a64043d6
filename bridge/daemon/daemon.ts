import { merge, map, type Observable } from 'rxjs';
import { createPowerFromSpec } from '../../drivers/power/power-from-spec.js';
import type { PowerDriver } from '../../drivers/power/power-driver.js';
import { trackBoardClients, type BoardClient } from './board-clients.js';
import { isListenSpec } from '../../drivers/listen/listen-spec.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../broker/embedded-broker.js';
import { parseBrokerUrl, type BrokerUrl } from '../broker/broker-url.js';
import type { BoardConfig, BridgeConfig } from '../config/config-types.js';
import type { Logger } from '../log.js';
import type { PacketEvent, SessionEvent } from '../session/session-types.js';
import type { CutProfile } from '../session/cut-profile.js';
import type { PacketCapture } from '../../streams/timing/capture-types.js';
import type { ClockEstimate } from '../../streams/timing/time-sync.js';
import { createBrokerConnector } from './broker-connector.js';
import { warnAboutTls } from './tls-warnings.js';
import { runListenBoard } from './listen-board.js';
import { runSerialBoard, type BoardRunner } from './serial-board.js';
import { attachTwinMode, type TwinMode } from '../azure/twin-mode.js';
import { withAzureX509 } from '../azure/azure-tls.js';

/** One board as the daemon runs it: what a power strategy needs to cut it and watch it come back. */
export interface DaemonBoard {
  readonly config: BoardConfig;
  /** Where its connections go (the embedded broker's URL, or the bench's broker). */
  readonly brokerUrl: string;
  readonly power: PowerDriver;
  readonly events$: Observable<SessionEvent>;
  /** Built only while subscribed. */
  readonly packets$: Observable<PacketEvent>;
  /** Every packet with its timing stamps; built only while subscribed. */
  readonly captures$: Observable<PacketCapture>;
  /** Estimates the board's clock offset over the link's TIME channel (framed links). */
  syncClock(samples?: number): Promise<ClockEstimate>;
  /** Its MQTT clients connected now. */
  clients(): BoardClient[];
  /** Whether the bridge is reading its line now (see BoardRunner.lineOpen$). */
  readonly lineOpen$: Observable<boolean>;
  /** It just lost power: its broker connections end now, as `profile` says (default its own). */
  cut(profile?: CutProfile): void;
  /** Its offline IoT Hub twin (`azure.twin: offline`), in the embedded broker. */
  readonly twin?: TwinMode;
}

export interface Daemon {
  /** Every board by name. */
  readonly boards: ReadonlyMap<string, DaemonBoard>;
  /** The embedded broker's URL, when one runs. */
  readonly embeddedBrokerUrl: string | undefined;
  /** Where each listen:// board accepts links. */
  readonly listening: Record<string, { host: string; port: number }>;
  readonly events$: Observable<{ board: string; event: SessionEvent }>;
  /**
   * The board just lost power (a power strategy cut it): its broker connections end now, as
   * `profile` says (default: the board's cutProfile), without waiting for the link to notice.
   */
  cut(board: string, profile?: CutProfile): void;
  stop(): Promise<void>;
}

export interface DaemonOptions {
  /** A board's power driver other than its config's: the in-process virtual board's, in tests and campaigns. */
  power?(board: BoardConfig): PowerDriver | undefined;
}

/** Runs every board of the config until stop(): one runner per board, one session per link. */
export async function startDaemon(config: BridgeConfig, logger: Logger, options: DaemonOptions = {}): Promise<Daemon> {
  let embedded: EmbeddedBroker | undefined;
  if (config.boards.some((b) => b.broker === 'embedded')) {
    embedded = await startEmbeddedBroker();
    logger.info({ url: embedded.url }, 'embedded broker listening');
  }
  const twins = new Map<string, TwinMode>();
  for (const board of config.boards) {
    if (board.azure?.twin !== 'offline' || !embedded) continue;
    twins.set(board.name, attachTwinMode(embedded.aedes, { deviceId: board.azure.deviceId, desired: board.azure.desired }));
    logger.info({ board: board.name, deviceId: board.azure.deviceId }, 'offline IoT Hub twin mode on the embedded broker');
  }
  const brokerFor = (board: BoardConfig): BrokerUrl =>
    board.broker === 'embedded' ? parseBrokerUrl((embedded as EmbeddedBroker).url.replace(/^mqtt:/, 'tcp:')) : board.broker;

  const runners: { name: string; runner: BoardRunner }[] = [];
  const config_ = (name: string) => config.boards.find((b) => b.name === name) as BoardConfig;
  const listening: Record<string, { host: string; port: number }> = {};
  try {
    for (const board of config.boards) {
      warnAboutTls(board, brokerFor(board), logger);
      const tls = withAzureX509(board.tls?.connectionOptions(), board.azure);
      const connector = createBrokerConnector({ override: brokerFor(board), connectTimeoutMs: board.connectTimeoutMs, ...(tls && { tls }) });
      if (isListenSpec(board.port)) {
        const runner = await runListenBoard(board, connector, logger);
        listening[board.name] = runner.address;
        runners.push({ name: board.name, runner });
      } else {
        runners.push({ name: board.name, runner: runSerialBoard(board, connector, logger) });
      }
    }
  } catch (error) {
    await Promise.all(runners.map((r) => r.runner.stop()));
    for (const twin of twins.values()) twin.close();
    await embedded?.close();
    throw error;
  }

  const boards = new Map<string, DaemonBoard>();
  const trackers: { stop(): void }[] = [];
  for (const { name, runner } of runners) {
    const config = config_(name);
    const tracker = trackBoardClients(runner.events$);
    trackers.push(tracker);
    boards.set(name, {
      config,
      brokerUrl: brokerFor(config).href.replace(/^tcp:/, 'mqtt:'),
      power: options.power?.(config) ?? createPowerFromSpec(config.power, name),
      events$: runner.events$.asObservable(),
      packets$: runner.packets$,
      captures$: runner.captures$,
      syncClock: (samples) => runner.syncClock(samples),
      clients: tracker.clients,
      lineOpen$: runner.lineOpen$,
      cut: (profile) => runner.cut(profile),
      ...(twins.has(name) && { twin: twins.get(name) }),
    });
  }

  return {
    boards,
    embeddedBrokerUrl: embedded?.url,
    listening,
    events$: merge(...runners.map(({ name, runner }) => runner.events$.pipe(map((event) => ({ board: name, event }))))),
    cut(board, profile) {
      const found = runners.find((r) => r.name === board);
      if (!found) throw new Error(`no board named "${board}" (the bench has ${runners.map((r) => r.name).join(', ')})`);
      found.runner.cut(profile);
    },
    async stop() {
      for (const t of trackers) t.stop();
      await Promise.all(runners.map((r) => r.runner.stop()));
      await Promise.all([...boards.values()].map((b) => b.power.close()));
      for (const twin of twins.values()) twin.close();
      await embedded?.close();
    },
  };
}
