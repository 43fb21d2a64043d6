import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Observable, Subscription } from 'rxjs';
import type { Daemon, DaemonBoard } from '../daemon/daemon.js';
import type { Logger } from '../log.js';
import type { SessionEvent } from '../session/session-types.js';
import type { PacketCapture } from '../../streams/timing/capture-types.js';
import { emptyLinkStats } from '../../streams/link/link-stats.js';

export interface BridgeMetrics {
  registry: Registry;
  /** Stops watching the boards; the registry keeps its last values. */
  stop(): void;
}

export interface BridgeMetricsOptions {
  /** Where a board stream that failed is reported. */
  logger?: Logger;
  /** Node's process_* and nodejs_* metrics, unprefixed so stock Node.js dashboards work (default true). */
  processMetrics?: boolean;
}

// Every reason the link counts, so a new one is exported from zero like the rest.
const LINE_DROP_REASONS = Object.keys(emptyLinkStats().dropped);
// Host residence is tens of µs when healthy; ms means the event loop is starved.
const RESIDENCE_BUCKETS = [5e-6, 1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 1e-2, 2.5e-2, 5e-2, 0.1];
// A frame's time on the wire: ~90 µs per byte at 115200 baud, so a large PUBLISH takes seconds.
const SERIAL_BUCKETS = [1e-5, 5e-5, 1e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 1e-2, 2.5e-2, 5e-2, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * Live Prometheus metrics of a running daemon, in a registry of their own, every one labelled
 * by board. Watching captures$ turns on the per-packet stamping for as long as this runs.
 *
 * dl7450_link_up follows link-up/link-down for framed boards; raw boards have no link
 * handshake, so for them it is 1 while one of the board's MQTT connections is open (a raw
 * listen:// board has one per accepted link).
 */
export function createBridgeMetrics(daemon: Pick<Daemon, 'boards'>, options: BridgeMetricsOptions = {}): BridgeMetrics {
  const registry = new Registry();
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const packets = new Counter({ name: 'dl7450_packets_total', help: 'MQTT packets through the bridge, by packet type', labelNames: ['board', 'direction', 'type'], registers });
  const bytes = new Counter({ name: 'dl7450_bytes_total', help: 'MQTT bytes through the bridge, fixed headers included (from packet captures)', labelNames: ['board', 'direction'], registers });
  const lineDropped = new Counter({ name: 'dl7450_line_dropped_total', help: 'Stretches of the serial line dropped as not a frame', labelNames: ['board', 'reason'], registers });
  const crcErrors = new Counter({ name: 'dl7450_crc_errors_total', help: 'Frames dropped for a bad CRC', labelNames: ['board'], registers });
  const protocolErrors = new Counter({ name: 'dl7450_protocol_errors_total', help: 'Connections ended for an MQTT protocol error', labelNames: ['board'], registers });
  const openFailed = new Counter({ name: 'dl7450_open_failed_total', help: 'Broker connections that could not be opened', labelNames: ['board'], registers });
  const cuts = new Counter({ name: 'dl7450_cuts_total', help: 'Connections dropped because the board lost power', labelNames: ['board'], registers });
  const linkUp = new Gauge({ name: 'dl7450_link_up', help: '1 while the board link is up (raw boards: while its connection is open)', labelNames: ['board'], registers });
  new Gauge({
    name: 'dl7450_connections',
    help: 'MQTT clients of the board connected through the bridge now',
    labelNames: ['board'],
    registers,
    collect() {
      for (const [name, board] of daemon.boards) {
        try {
          this.set({ board: name }, board.clients().length);
        } catch (error) {
          options.logger?.warn({ board: name, err: (error as Error).message }, 'metrics: cannot count the board\'s clients');
        }
      }
    },
  });
  const residence = new Histogram({ name: 'dl7450_residence_seconds', help: 'Time a packet spent in the bridge host: to-broker from its last byte off the line until the broker socket took it (write syscall included), to-board from the broker read until handed to the link', labelNames: ['board', 'direction'], buckets: RESIDENCE_BUCKETS, registers });
  const serial = new Histogram({ name: 'dl7450_serial_seconds', help: 'Time a packet took on the serial line', labelNames: ['board', 'direction'], buckets: SERIAL_BUCKETS, registers });

  const subscriptions: Subscription[] = [];
  for (const [name, board] of daemon.boards) {
    const board_ = { board: name };
    // Zeros up front, so rate() and alerts see a series before the first error does.
    for (const counter of [crcErrors, protocolErrors, openFailed, cuts]) counter.inc(board_, 0);
    for (const reason of LINE_DROP_REASONS) lineDropped.inc({ board: name, reason }, 0);
    linkUp.set(board_, 0);

    const onEvent = eventHandler(board, (up) => linkUp.set(board_, up), {
      lineDropped: (reason) => {
        lineDropped.inc({ board: name, reason });
        if (reason === 'crc') crcErrors.inc(board_);
      },
      protocolError: () => protocolErrors.inc(board_),
      openFailed: () => openFailed.inc(board_),
      cut: () => cuts.inc(board_),
    });
    const onCapture = (c: PacketCapture) => {
      bytes.inc({ board: name, direction: c.dir }, c.length);
      const labels = { board: name, direction: c.dir };
      if (c.dir === 'to-broker') {
        observe(residence, labels, c.stamps.serialLast, c.stamps.flushed);
        observe(serial, labels, c.stamps.serialFirst, c.stamps.serialLast);
      } else {
        observe(residence, labels, c.stamps.brokerReceived, c.stamps.serialQueued);
        observe(serial, labels, c.stamps.serialQueued, c.stamps.serialDrained);
      }
    };
    const watch = <T>(what: string, source: Observable<T> | undefined, next: (value: T) => void) => {
      // One board's broken stream must cost its metrics, never the daemon.
      const report = (error: unknown) => options.logger?.warn({ board: name, stream: what, err: (error as Error)?.message ?? String(error) }, 'metrics: a board stream failed');
      try {
        if (!source) return;
        subscriptions.push(
          source.subscribe({
            next: (value) => {
              try {
                next(value);
              } catch (error) {
                report(error);
              }
            },
            error: report,
          }),
        );
      } catch (error) {
        report(error);
      }
    };
    watch('events$', board.events$, onEvent);
    watch('packets$', board.packets$, (e) => packets.inc({ board: name, direction: e.direction, type: e.packet.cmd }));
    watch('captures$', board.captures$, onCapture);
  }
  return {
    registry,
    stop() {
      for (const s of subscriptions.splice(0)) s.unsubscribe();
    },
  };
}

interface EventCounters {
  lineDropped(reason: string): void;
  protocolError(): void;
  openFailed(): void;
  cut(): void;
}

function eventHandler(board: DaemonBoard, setLinkUp: (up: 0 | 1) => void, count: EventCounters): (e: SessionEvent) => void {
  const raw = board.config.link === 'raw';
  // A raw listen:// board has one connection per accepted link: up while any of them is open;
  // a framed one, while any of its links is (a board with one line has no link number: -1).
  const open = new Set<number>();
  const linksUp = new Set<number>();
  const framedLink = (link: number | undefined, up: boolean): void => {
    if (up) linksUp.add(link ?? -1);
    else linksUp.delete(link ?? -1);
    setLinkUp(linksUp.size > 0 ? 1 : 0);
  };
  const rawConnection = (connId: number, isOpen: boolean): void => {
    if (!raw) return;
    if (isOpen) open.add(connId);
    else open.delete(connId);
    setLinkUp(open.size > 0 ? 1 : 0);
  };
  return (e) => {
    switch (e.type) {
      case 'link-up':
        return framedLink(e.link, true);
      case 'link-down':
        return framedLink(e.link, false);
      case 'opened':
        return rawConnection(e.connId, true);
      case 'closed':
        return rawConnection(e.connId, false);
      case 'cut':
        rawConnection(e.connId, false);
        return count.cut();
      case 'open-failed':
        return count.openFailed();
      case 'protocol-error':
        return count.protocolError();
      case 'line-dropped':
        return count.lineDropped(e.reason);
      default:
        return;
    }
  };
}

/** Stamps not taken (0) or out of order would be nonsense in a histogram: skipped. */
function observe(histogram: Histogram, labels: { board: string; direction: string }, from: bigint, to: bigint): void {
  if (typeof from !== 'bigint' || typeof to !== 'bigint' || from <= 0n || to < from) return;
  histogram.observe(labels, Number(to - from) / 1e9);
}
