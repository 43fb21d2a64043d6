import mqtt from 'mqtt';
import type { Subscription } from 'rxjs';
import { startDaemon } from '../daemon/daemon.js';
import type { BridgeConfig } from '../config/config-types.js';
import type { Logger } from '../log.js';
import { hrNow } from '../../streams/timing/clock.js';
import type { PacketCapture } from '../../streams/timing/capture-types.js';
import { runOpenLoop } from './open-loop.js';
import { decodeWorkloadPayload, encodeWorkloadPayload } from './workload-payload.js';
import { echoMessages } from './echo-messages.js';
import { buildTrace, traceZero } from './build-trace.js';
import type { ProfileRun } from './run-profile.js';
import type { TraceWorkload } from './trace-format.js';

export interface EchoProfileOptions {
  config: BridgeConfig;
  /** The board of the config to profile (default: the first). */
  board?: string;
  /** echo_app.py's topic prefix (its CONFIG["prefix"]). */
  prefix: string;
  workload: TraceWorkload;
  /** How long to wait for the board's first echo (it may still be booting). */
  readyTimeoutMs?: number;
  drainMs?: number;
  logger: Logger;
  progress?(sent: number, total: number): void;
  /** Ends the schedule early (Ctrl-C): what was sent is drained and reported as usual. */
  signal?: AbortSignal;
}

const sizeOf = (sizes: number[], seq: number) => sizes[seq % sizes.length];

/**
 * A profile of a board that runs echo_app.py (a physical DL-7450, or `sim`): the bridge runs
 * here, a host client sends echo commands on an open-loop schedule and times the echoes. The
 * board's share is measured between its serial line stamps, so its clock is not needed; the
 * TIME exchange is still run and reported, for firmware that stamps on its own clock.
 */
export async function runEchoProfile(options: EchoProfileOptions): Promise<ProfileRun> {
  const { workload, prefix } = options;
  const cmdTopic = `${prefix}/cmd`;
  const echoTopic = `${prefix}/echo/profile`;
  const { t0, t0EpochNs } = traceZero();
  const daemon = await startDaemon(options.config, options.logger);
  const captures: PacketCapture[] = [];
  let captureSub: Subscription | undefined;
  let client: mqtt.MqttClient | undefined;
  try {
    const name = options.board ?? options.config.boards[0].name;
    const board = daemon.boards.get(name);
    if (!board) throw new Error(`profile: no board named "${name}" (the bench has ${[...daemon.boards.keys()].join(', ')})`);
    captureSub = board.captures$.subscribe((c) => captures.push(c));
    client = await mqtt.connectAsync(board.brokerUrl, { clientId: `dl7450-profile-host-${process.pid}`, reconnectPeriod: 0, connectTimeout: 10_000 });
    const received = new Map<number, bigint>();
    let probed = false;
    client.on('message', (_topic, payload) => {
      const at = hrNow();
      const m = decodeWorkloadPayload(payload);
      if (m?.seq === 0xffffffff) probed = true;
      else if (m && !received.has(m.seq)) received.set(m.seq, at);
    });
    await client.subscribeAsync(echoTopic, { qos: workload.qos });
    const c = client;
    const command = (seq: number, intended: bigint, size: number): bigint => {
      const sent = hrNow();
      const hex = encodeWorkloadPayload(seq, intended, sent, size).toString('hex');
      c.publish(cmdTopic, JSON.stringify({ op: 'echo', hex, topic: 'profile', qos: workload.qos }), { qos: workload.qos });
      return sent;
    };
    // The board may still be booting or reconnecting: probe until an echo comes back.
    const deadline = Date.now() + (options.readyTimeoutMs ?? 30_000);
    while (!probed) {
      if (Date.now() > deadline) throw new Error(`profile: no echo from board ${name} on ${echoTopic} within ${options.readyTimeoutMs ?? 30_000} ms: is it running echo_app.py with prefix "${prefix}"?`);
      command(0xffffffff, hrNow(), 20);
      await new Promise((r) => setTimeout(r, 500));
    }
    const clock = await board.syncClock(16).catch((e: Error) => ({ error: e.message }));
    captures.length = 0; // the probes are not part of the run
    const total = Math.floor((workload.durationMs * workload.rate) / 1000);
    const intended = new Map<number, bigint>();
    const sent = new Map<number, bigint>();
    let count = 0;
    await runOpenLoop({
      ratePerSecond: workload.rate,
      durationMs: workload.durationMs,
      signal: options.signal,
      send: (seq, due) => {
        intended.set(seq, due);
        sent.set(seq, command(seq, due, sizeOf(workload.sizes, seq)));
        options.progress?.(++count, total);
      },
    });
    const drainDeadline = Date.now() + (options.drainMs ?? 5000);
    while (received.size < intended.size && Date.now() < drainDeadline) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 50)); // the last acknowledgements, so their flows close
    captureSub.unsubscribe();
    const sizes = new Map([...intended.keys()].map((seq) => [seq, sizeOf(workload.sizes, seq)]));
    const { messages, losses } = echoMessages({ qos: workload.qos, sizes, intended, sent, received, cmdTopic, echoTopic }, captures, t0);
    const { records, unclosed } = await buildTrace({
      t0,
      t0EpochNs,
      board: `${name} (${board.config.port}, ${board.config.link})`,
      broker: board.brokerUrl,
      workload,
      clockSource: 'time-sync',
      clock,
      capture: true,
      captures,
      messages,
      losses,
    });
    return { records, sent: intended.size, received: messages.length, lost: losses.length, unclosed, clock, interrupted: intended.size < total };
  } finally {
    captureSub?.unsubscribe();
    await client?.endAsync().catch(() => undefined);
    await daemon.stop();
  }
}
