import type { Subscription } from 'rxjs';
import { startEmbeddedBroker } from '../broker/embedded-broker.js';
import { startVirtualRig } from '../campaign/virtual-rig.js';
import type { Logger } from '../log.js';
import { hrNow } from '../../streams/timing/clock.js';
import type { PacketCapture } from '../../streams/timing/capture-types.js';
import type { ClockEstimate } from '../../streams/timing/time-sync.js';
import { runOpenLoop } from './open-loop.js';
import { profileApp, type ProfileTopics } from './profile-app.js';
import { startHostPeer } from './host-peer.js';
import { capturesBySeq, workloadMessages } from './workload-messages.js';
import { buildTrace, traceZero } from './build-trace.js';
import type { TraceRecord, TraceWorkload } from './trace-format.js';

export interface ProfileOptions {
  workload: TraceWorkload;
  /** Where the traffic goes; an embedded broker on a free loopback port when absent. */
  brokerUrl?: string;
  /** Take the bridge's stamps (off only to measure what they cost). */
  capture?: boolean;
  /** Keep CONNECT passwords in the captures. */
  captureSecrets?: boolean;
  /** How long to wait for the last messages after the schedule ended. */
  drainMs?: number;
  logger: Logger;
  /** Messages sent so far, of `total`. */
  progress?(sent: number, total: number): void;
  /** Ends the schedule early (Ctrl-C): what was sent is drained and reported as usual. */
  signal?: AbortSignal;
}

export interface ProfileRun {
  records: TraceRecord[];
  sent: number;
  received: number;
  lost: number;
  unclosed: number;
  clock: ClockEstimate | { error: string };
  /** The schedule was ended early: `sent` is less than the workload asked for. */
  interrupted: boolean;
}

let runs = 0;

const sizeOf = (sizes: number[], seq: number) => sizes[seq % sizes.length];

/**
 * One profile run against the virtual DL-7450 behind the bridge: the board's app and a host
 * client exchange workload messages on an open-loop schedule while the bridge stamps every
 * packet; then the captures are correlated into flows and everything becomes trace records.
 */
export async function runProfile(options: ProfileOptions): Promise<ProfileRun> {
  const { workload, logger } = options;
  const capture = options.capture ?? true;
  const run = `${process.pid}-${++runs}-${Date.now().toString(36)}`;
  const topics: ProfileTopics = { clientId: `dl7450-profile-${run}`, up: `dl7450/profile/${run}/up`, down: `dl7450/profile/${run}/down` };
  const qos = workload.qos;
  const cleanups: (() => Promise<unknown>)[] = [];
  const { t0, t0EpochNs } = traceZero();
  const captures: PacketCapture[] = [];
  let captureSub: Subscription | undefined;
  try {
    let brokerUrl = options.brokerUrl;
    if (!brokerUrl) {
      const broker = await startEmbeddedBroker();
      cleanups.unshift(() => broker.close());
      brokerUrl = broker.url;
    }
    const { app, side } = profileApp(topics, qos);
    const rig = await startVirtualRig({ brokerUrl, boardId: `profile-${run}`, app, logger, captureSecrets: options.captureSecrets });
    cleanups.unshift(() => rig.stop());
    if (capture) captureSub = rig.dut.captures$.subscribe((c) => captures.push(c));
    await rig.board.powerOn();
    const peer = await startHostPeer(brokerUrl, topics, qos);
    cleanups.unshift(() => peer.close());
    await withDeadline(side.ready, 20_000, 'the virtual board did not connect and subscribe within 20 s');
    const clock = await rig.dut.syncClock(16).catch((e: Error) => ({ error: e.message }));

    const total = Math.floor((workload.durationMs * workload.rate) / 1000);
    const upIntended = new Map<number, bigint>();
    const downIntended = new Map<number, bigint>();
    const upSent = new Map<number, bigint>();
    const doUp = workload.direction !== 'down';
    const doDown = workload.direction !== 'up';
    const planned = (doUp ? total : 0) + (doDown ? total : 0);
    let sentCount = 0;
    const tick = () => options.progress?.(++sentCount, planned);
    // One schedule per direction; `send` stamps and sends message `seq`.
    const schedule = (intendedBy: Map<number, bigint>, send: (seq: number, intended: bigint, size: number) => void) =>
      runOpenLoop({
        ratePerSecond: workload.rate,
        durationMs: workload.durationMs,
        signal: options.signal,
        send: (seq, intended) => {
          intendedBy.set(seq, intended);
          send(seq, intended, sizeOf(workload.sizes, seq));
          tick();
        },
      });
    await Promise.all([
      doUp &&
        schedule(upIntended, (seq, intended, size) => {
          upSent.set(seq, hrNow());
          side.publish(seq, intended, size);
        }),
      doDown && schedule(downIntended, (seq, intended, size) => peer.publish(seq, intended, size)),
    ]);
    const expected = upIntended.size + downIntended.size;
    const arrived = () => (doUp ? peer.received.size : 0) + (doDown ? side.received.size : 0);
    const drainDeadline = Date.now() + (options.drainMs ?? 3000);
    while (arrived() < expected && Date.now() < drainDeadline) await new Promise((r) => setTimeout(r, 20));
    // Let the last acknowledgements cross before the board goes: their flows close.
    await new Promise((r) => setTimeout(r, 50));
    captureSub?.unsubscribe();

    const sizes = new Map<number, number>();
    for (let seq = 0; seq < Math.max(upIntended.size, downIntended.size); seq++) sizes.set(seq, sizeOf(workload.sizes, seq));
    const up = doUp ? workloadMessages({ dir: 'up', qos, sizes, intended: upIntended, sent: upSent, received: peer.received, topic: topics.up }, capturesBySeq(captures, topics.up, 'to-broker'), t0) : { messages: [], losses: [] };
    const down = doDown ? workloadMessages({ dir: 'down', qos, sizes, intended: downIntended, sent: peer.sent, received: side.received, topic: topics.down }, capturesBySeq(captures, topics.down, 'to-board'), t0) : { messages: [], losses: [] };
    const { records, unclosed } = await buildTrace({
      t0,
      t0EpochNs,
      board: 'virtual DL-7450 (framed link on a pty)',
      broker: options.brokerUrl ?? 'embedded (Aedes)',
      workload,
      clockSource: 'same-clock',
      clock,
      capture,
      captures,
      messages: [...up.messages, ...down.messages],
      losses: [...up.losses, ...down.losses],
    });
    return {
      records,
      sent: expected,
      received: up.messages.length + down.messages.length,
      lost: up.losses.length + down.losses.length,
      unclosed,
      clock,
      interrupted: expected < planned,
    };
  } finally {
    captureSub?.unsubscribe();
    for (const c of cleanups) await c().catch(() => undefined);
  }
}

function withDeadline<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`profile: ${message}`)), ms)))]).finally(() => clearTimeout(timer));
}
