import { percentile } from '../../bridge/campaign/percentiles.js';
import { tsApp } from '../../drivers/boards/apps/board-app.js';
import { phaseOf } from './phase-of.js';

// The capture-overhead bench's board app, run by `dl7450-bridge sim` in its own process and
// set up through the environment it inherits:
//   LOAD_MODE     flood: LOAD_COUNT publishes as fast as the SDK takes them;
//                 rate: LOAD_RATE per second for LOAD_SECONDS, each timed publish() -> on_publish
//   LOAD_QOS, LOAD_TOPIC, LOAD_PAYLOAD (bytes), LOAD_CLIENT_ID
//   LOAD_PHASE_MS, LOAD_GUARD_MS (rate): the host's clock is cut into phases of LOAD_PHASE_MS,
//                 the bench watching captures in odd ones; each publish is counted to its phase
//                 if it went out LOAD_GUARD_MS after the phase began and was confirmed within it
// It reports once, on its console (the link's LOG channel), as one JSON line starting "load ".

const env = process.env;
const mode = env.LOAD_MODE === 'rate' ? 'rate' : 'flood';
const qos = Number(env.LOAD_QOS ?? 0);
const topic = env.LOAD_TOPIC ?? 'bench/load';
const payload = new Uint8Array(Number(env.LOAD_PAYLOAD ?? 64)).fill(0x61);
const clientId = env.LOAD_CLIENT_ID ?? `load-${process.pid}`;
const rate = Number(env.LOAD_RATE ?? 200);
const count = mode === 'rate' ? Math.round(rate * Number(env.LOAD_SECONDS ?? 5)) : Number(env.LOAD_COUNT ?? 20_000);
// Well under the SDK's maxPending (1000), past which publish() raises MqttError -4.
const MAX_UNCONFIRMED = 500;
const phaseNs = BigInt(Math.round(Number(env.LOAD_PHASE_MS ?? 0) * 1e6));
const guardNs = BigInt(Math.round(Number(env.LOAD_GUARD_MS ?? 0) * 1e6));

const hr = () => process.hrtime.bigint();

export default tsApp(({ mqtt, log }, signal) => {
  const client = new mqtt.MqttClient('tcp://bench.invalid:1883', clientId);
  const startedAt = new Map<number, bigint>();
  const latencyUs: number[] = [];
  // Latencies by the phase they fell in wholly (LOAD_PHASE_MS): even phases, then odd ones.
  const byPhase: [number[], number[]] = [[], []];
  let sent = 0;
  let confirmed = 0;
  let failed = 0;
  let refused = 0;
  let t0 = 0n;
  let timer: NodeJS.Timeout | undefined;
  let pumping = false;

  const percentiles = (xs: number[]) => ({ p50Us: percentile(xs, 50), p99Us: percentile(xs, 99), maxUs: percentile(xs, 100) });

  const report = (): void => {
    const phase = (xs: number[]) => ({ n: xs.length, ...percentiles(xs) });
    const phases = phaseNs > 0n && { phases: { even: phase(byPhase[0]), odd: phase(byPhase[1]) } };
    const result = { mode, qos, n: count, confirmed, failed, refused, t0: String(t0), tDone: String(hr()), ...percentiles(latencyUs), ...phases };
    log(`load ${JSON.stringify(result)}`);
  };

  /** One publish; false when the SDK refused it (its queue is full): try again later. */
  const publishOne = (): boolean => {
    try {
      const before = hr();
      const mid = client.publish(topic, payload, qos);
      if (mode === 'rate') startedAt.set(mid, before);
      sent++;
      return true;
    } catch {
      refused++;
      return false;
    }
  };

  // Flood: run from a macrotask, never from on_publish's microtask, so that the link's I/O
  // gets turns between batches instead of a microtask chain starving it.
  const pump = (): void => {
    pumping = false;
    while (sent < count && sent - confirmed < MAX_UNCONFIRMED) if (!publishOne()) return void (timer = setTimeout(pump, 1));
  };

  // Rate: message i is due at t0 + i / rate; a late timer sends what is due at once.
  const tick = (): void => {
    const intervalNs = 1e9 / rate;
    const now = hr();
    while (sent < count && t0 + BigInt(Math.round(sent * intervalNs)) <= now) if (!publishOne()) break;
    if (sent >= count) return;
    const nextNs = Number(t0 + BigInt(Math.round(sent * intervalNs)) - hr());
    timer = setTimeout(tick, Math.max(0, Math.floor(nextNs / 1e6)));
  };

  client.on_publish((mid, rc) => {
    const at = hr();
    confirmed++;
    if (rc !== 0) failed++;
    const before = startedAt.get(mid);
    if (before !== undefined && rc === 0) {
      const us = Number(at - before) / 1000;
      latencyUs.push(us);
      const phase = phaseOf(before, at, phaseNs, guardNs);
      if (phase !== undefined) byPhase[phase].push(us);
    }
    startedAt.delete(mid);
    if (confirmed === count) return report();
    if (mode === 'flood' && !pumping && sent < count) {
      pumping = true;
      setImmediate(pump);
    }
  });

  let started = false;
  client.connect((rc) => {
    if (rc !== 0 || started) return; // a reconnect mid-run: the run is void, the bench times out
    started = true;
    t0 = hr();
    if (mode === 'flood') pump();
    else tick();
  }, { keep_alive: 30 });

  return new Promise<void>((resolve) => signal.addEventListener('abort', () => {
    clearTimeout(timer);
    client.disconnect();
    resolve();
  }));
});
