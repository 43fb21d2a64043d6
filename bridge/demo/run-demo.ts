import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { filter, firstValueFrom } from 'rxjs';
import mqtt, { type MqttClient } from 'mqtt';
import { startEmbeddedBroker } from '../broker/embedded-broker.js';
import { parseBrokerUrl } from '../broker/broker-url.js';
import { createBrokerConnector } from '../daemon/broker-connector.js';
import { createPtyLink } from '../../drivers/pty/pty-link.js';
import { createSerialportLink } from '../../drivers/serial/serialport-link.js';
import { createVirtualBoard } from '../../drivers/boards/virtual-board.js';
import { runFramedSession } from '../session/framed-session.js';
import type { Logger } from '../log.js';
import { createReceiver, publishAll, type FlowResult } from './traffic.js';
import type { DemoResult } from './demo-report.js';

export interface DemoOptions {
  /** Messages per direction and QoS. */
  messages: number;
  timeoutMs: number;
  /** Ctrl-C: the demo stops where it is, cleans up (pty folder, broker) and throws DemoInterrupted. */
  signal?: AbortSignal;
}

export class DemoInterrupted extends Error {
  override name = 'DemoInterrupted';
}

const WILL_TOPIC = 'demo/dl7450-demo/status';

function connected(client: MqttClient): Promise<void> {
  return new Promise((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} took more than ${ms} ms`)), ms)));
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

/**
 * The whole bridge on one machine with nothing installed: an embedded broker, a virtual DL-7450
 * on a pty the bridge owns, the framed session between them; QoS 0/1/2 traffic both ways, then
 * the board's line goes dead and the broker must publish its will.
 */
export async function runDemo(options: DemoOptions, logger: Logger, onStep: (text: string) => void): Promise<DemoResult> {
  const dir = await mkdtemp(join(tmpdir(), 'dl7450-demo-'));
  const broker = await startEmbeddedBroker();
  const host = createPtyLink({ linkPath: join(dir, 'board0') });
  const cleanups: (() => Promise<void> | void)[] = [() => rm(dir, { recursive: true, force: true }), () => broker.close(), () => host.close()];
  const { signal } = options;
  const interrupted = new Promise<never>((_, reject) => {
    const stop = () => reject(new DemoInterrupted('the demo was interrupted'));
    if (signal?.aborted) stop();
    else signal?.addEventListener('abort', stop, { once: true });
  });
  // What is under way when Ctrl-C comes fails once the cleanup below pulls its parts away.
  const work = demoSteps(options, logger, onStep, dir, broker, host, cleanups);
  work.catch(() => undefined);
  try {
    return await Promise.race([work, interrupted]);
  } finally {
    for (const cleanup of cleanups) {
      try {
        await cleanup();
      } catch {
        // best effort: the demo's result is already decided
      }
    }
  }
}

async function demoSteps(
  options: DemoOptions,
  logger: Logger,
  onStep: (text: string) => void,
  dir: string,
  broker: Awaited<ReturnType<typeof startEmbeddedBroker>>,
  host: ReturnType<typeof createPtyLink>,
  cleanups: (() => Promise<void> | void)[],
): Promise<DemoResult> {
  await host.open();
  const session = runFramedSession({
    name: 'demo-board',
    line: host,
    // A demo should notice a dead board in well under a second.
    settings: { maxPacketBytes: 1 << 20, stallTimeoutMs: 10_000, pingIntervalMs: 200, maxRetries: 2 },
    connectBroker: createBrokerConnector({ override: parseBrokerUrl(broker.url.replace(/^mqtt:/, 'tcp:')), connectTimeoutMs: 2000 }),
    logger,
  });
  cleanups.unshift(() => session.stop());

  const line = createSerialportLink({ path: join(dir, 'board0'), baudRate: 115200 });
  await line.open();
  cleanups.unshift(() => line.close());
  const board = createVirtualBoard({ line, mode: 'framed', id: 'dl7450-demo' });
  cleanups.unshift(() => board.cut());

  const observer = mqtt.connect(broker.url, { clientId: 'demo-observer' });
  cleanups.unshift(() => void observer.end(true));
  await within(connected(observer), options.timeoutMs, 'connecting the observer');
  await observer.subscribeAsync(['demo/up/#', WILL_TOPIC], { qos: 2 });

  onStep('board connecting through the bridge');
  const dev = board.connect('ssl://iot.example.com:8883', {
    clientId: 'dl7450-demo',
    reconnectPeriod: 0,
    will: { topic: WILL_TOPIC, payload: Buffer.from('offline'), qos: 1, retain: false },
  });
  dev.on('error', () => undefined);
  await within(connected(dev), options.timeoutMs, 'the board connecting through the bridge');
  await dev.subscribeAsync('demo/down/#', { qos: 2 });

  const atBroker = createReceiver(observer, 'demo/up');
  const atBoard = createReceiver(dev, 'demo/down');
  onStep(`QoS 0/1/2 traffic, ${options.messages} messages each way per QoS`);
  await within(Promise.all([publishAll(dev, 'demo/up', options.messages, options.signal), publishAll(observer, 'demo/down', options.messages, options.signal)]), options.timeoutMs, 'the traffic');
  // QoS 0 may be lost; wait until QoS 1/2 are all in, or the deadline.
  const expected = 2 * options.messages;
  await within(
    new Promise<void>((resolve) => {
      const check = () => (atBroker.count(1, options.messages).received + atBroker.count(2, options.messages).received >= expected &&
        atBoard.count(1, options.messages).received + atBoard.count(2, options.messages).received >= expected
        ? resolve()
        : setTimeout(check, 10));
      check();
    }),
    options.timeoutMs,
    'QoS 1/2 delivery',
  ).catch(() => undefined);

  const flows: FlowResult[] = [];
  for (const [direction, receiver] of [['board -> broker', atBroker], ['broker -> board', atBoard]] as const) {
    for (const qos of [0, 1, 2] as const) {
      flows.push({ direction, qos, sent: options.messages, ...receiver.count(qos, options.messages), latenciesMs: receiver.latencies(qos) });
    }
  }

  onStep('cutting the board\'s line');
  const will = new Promise<{ payload: string; at: bigint }>((resolve) =>
    observer.on('message', (topic, payload) => topic === WILL_TOPIC && resolve({ payload: payload.toString(), at: process.hrtime.bigint() })),
  );
  const detected = firstValueFrom(session.events$.pipe(filter((e) => e.type === 'link-down'))).then(() => process.hrtime.bigint());
  const cutAt = process.hrtime.bigint();
  board.cut();
  const [w, d] = await Promise.all([within(will, options.timeoutMs, 'the will'), within(detected, options.timeoutMs, 'noticing the lost link')]).catch(() => [undefined, undefined]);

  const missing = flows.filter((f) => f.qos > 0 && f.received < f.sent);
  const dups = flows.filter((f) => f.qos === 2 && f.duplicates > 0);
  const failure = missing.length
    ? `QoS ${missing[0].qos} ${missing[0].direction}: ${missing[0].sent - missing[0].received} of ${missing[0].sent} messages lost`
    : dups.length
      ? `QoS 2 ${dups[0].direction}: ${dups[0].duplicates} duplicates`
      : w === undefined
        ? 'the broker did not publish the will after the line was cut'
        : undefined;
  return {
    brokerUrl: broker.url,
    line: `${host.description}`,
    flows,
    will: w && d ? { topic: WILL_TOPIC, payload: w.payload, detectedAfterMs: Number(d - cutAt) / 1e6, publishedAfterMs: Number(w.at - cutAt) / 1e6 } : undefined,
    passed: failure === undefined,
    failure,
  };
}
