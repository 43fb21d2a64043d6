import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { percentile } from '../../bridge/campaign/percentiles.js';
import { startMosquitto } from '../../bridge/broker/mosquitto/local-mosquitto.js';
import { startCountingSub } from './counting-sub.js';
import { createResidence, medianOfRuns, type PieceStats } from './residence.js';
import { runLoad, type LoadResult } from './run-load.js';
import { socatRound, summarizeSocat, type SocatAdded, type SocatRound } from './socat-added.js';

// The board (a sim child process), the bridge (this process), Mosquitto and the QoS 0 counter
// (mosquitto_sub) are separate processes, so that what this process spends is the bridge's.
// Capture on = subscribed to captures$ (a consumer that only counts, so the cost measured is
// the bridge's building of the captures); off = not subscribed. QoS 0 compares whole runs;
// QoS 1 switches within each run, since its latency drifts between runs by more than capture costs.

export interface OverheadOptions {
  rounds: number;
  qos0Count: number;
  qos1Rate: number;
  qos1Seconds: number;
  /** QoS 1 runs switch capture every this many ms; a publish counts only if sent `qos1GuardMs` or more after a switch. */
  qos1PhaseMs: number;
  /** What a phase leaves out after its switch: well past how late a switch comes. */
  qos1GuardMs: number;
  residenceRate: number;
  residenceSeconds: number;
  residenceWarmupSeconds: number;
  /** Residence runs, each followed by a socat round. */
  residenceRounds: number;
  socatN: number;
  onProgress?: (text: string) => void;
}

export interface Side {
  qos0: number[];
  qos1p50: number[];
  qos1p99: number[];
  /** Publishes counted per run: those that fell wholly within one of this side's phases. */
  qos1n: number[];
  qos1Captures: number[];
  /** The bridge process's CPU per message, µs. */
  qos0Cpu: number[];
  qos1Cpu: number[];
  captures: number[];
}

export interface OverheadResult {
  off: Side;
  on: Side;
  /** on/off per round (QoS 0 msg/s, QoS 1 p50). */
  ratios: { qos0: number[]; qos1p50: number[] };
  /** Per piece, medians of the residence runs' p50 and p99. */
  residence: PieceStats[];
  /** In the app during the residence runs, publish() → on_publish: medians of the runs' p50 and p99, µs. */
  residenceApp: { p50: number; p99: number };
  socat: SocatAdded;
  socatRounds: SocatRound[];
  /** Per QoS 1 run, how late its latest capture switch came after its phase boundary, µs. */
  toggleLateUs: number[];
}

const side = (): Side => ({ qos0: [], qos1p50: [], qos1p99: [], qos1n: [], qos1Captures: [], qos0Cpu: [], qos1Cpu: [], captures: [] });

const check = (r: LoadResult, what: string): LoadResult => {
  if (r.confirmed !== r.n || r.failed > 0 || r.refused > 0) throw new Error(`${what}: the board app reports ${JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? String(v) : v))}`);
  return r;
};

export async function benchCaptureOverhead(o: OverheadOptions): Promise<OverheadResult> {
  // Every QoS 0 message must reach the counter: Mosquitto drops QoS 0 to a client past
  // max_queued_messages (1000) queued, which a burst can briefly exceed. With Nagle on (its
  // default), Mosquitto held the PUBACK of most connections until the bridge next sent, one
  // publish interval: the QoS 1 p50 was 5.5 ms or 0.5 ms by connection, not by capture.
  const broker = await startMosquitto({ extraConfig: ['log_type subscribe', 'max_queued_messages 0', 'set_tcp_nodelay true'] });
  const dir = await mkdtemp(join(tmpdir(), 'dl7450-capture-'));
  let runs = 0;
  const tty = () => join(dir, `board${runs++}`);
  const load = { brokerPort: broker.port, timeoutMs: 60_000 };
  const off = side();
  const on = side();
  const toggleLateUs: number[] = [];
  try {
    const qos0 = async (capture: boolean, record = true): Promise<void> => {
      const topic = `bench/capture/q0/${runs}`;
      const sub = await startCountingSub(broker, topic, o.qos0Count, 60_000);
      let captures = 0;
      try {
        const env = { LOAD_MODE: 'flood', LOAD_QOS: '0', LOAD_COUNT: String(o.qos0Count), LOAD_TOPIC: topic };
        const r = check(await runLoad({ ...load, tty: tty(), env, until: sub.done, ...(capture && { onCapture: () => captures++ }) }), 'QoS 0 flood');
        const lastArrived = await sub.done;
        if (!record) return;
        const s = capture ? on : off;
        s.qos0.push(o.qos0Count / (Number(lastArrived - r.t0) / 1e9));
        s.qos0Cpu.push(r.bridgeCpuUs / r.n);
        if (capture) s.captures.push(captures);
      } finally {
        await sub.stop();
      }
    };
    // Capture off and on alternate within each run, in phases of the host clock (capture-toggle.ts):
    // at 200/s a run's p50 drifts by more between runs on this VM than capture costs.
    const qos1 = async (): Promise<void> => {
      let captures = 0;
      const env = { LOAD_MODE: 'rate', LOAD_QOS: '1', LOAD_RATE: String(o.qos1Rate), LOAD_SECONDS: String(o.qos1Seconds), LOAD_TOPIC: `bench/capture/q1/${runs}` };
      const toggle = { phaseMs: o.qos1PhaseMs, guardMs: o.qos1GuardMs, onCapture: () => captures++ };
      const r = check(await runLoad({ ...load, tty: tty(), env, toggle }), 'QoS 1 at a fixed rate');
      const { phases, toggle: t } = r;
      if (!phases || !t) throw new Error('QoS 1 at a fixed rate: the run reported no capture phases');
      for (const [s, p, cpuPerSecond] of [[off, phases.even, t.cpuPerSecond.off], [on, phases.odd, t.cpuPerSecond.on]] as const) {
        if (p.p50Us === undefined || p.p99Us === undefined) throw new Error(`QoS 1 at a fixed rate: no publish fell wholly within a capture-${s === on ? 'on' : 'off'} phase`);
        s.qos1p50.push(p.p50Us);
        s.qos1p99.push(p.p99Us);
        s.qos1n.push(p.n);
        s.qos1Cpu.push(cpuPerSecond / o.qos1Rate);
      }
      on.qos1Captures.push(captures);
      toggleLateUs.push(t.lateUsMax);
    };
    const ratios = { qos0: [] as number[], qos1p50: [] as number[] };
    // The bridge runs in this process: its first floods ran while V8 was still compiling it
    // (round 1 was 10-20 % slower on both sides), which a daemon that has been up a while is not.
    for (const capture of [false, true]) {
      o.onProgress?.(`warm-up: QoS 0 flood, capture ${capture ? 'on' : 'off'} (not counted)`);
      await qos0(capture, false);
    }
    for (let round = 1; round <= o.rounds; round++) {
      // Which side goes first alternates, so neither always runs on a warmer machine.
      const order = round % 2 === 1 ? [false, true] : [true, false];
      for (const capture of order) {
        o.onProgress?.(`round ${round}/${o.rounds}: QoS 0 flood, capture ${capture ? 'on' : 'off'}`);
        await qos0(capture);
      }
      o.onProgress?.(`round ${round}/${o.rounds}: QoS 1 at ${o.qos1Rate}/s for ${o.qos1Seconds} s, capture off and on in alternate ${o.qos1PhaseMs} ms phases`);
      await qos1();
      ratios.qos0.push((on.qos0.at(-1) as number) / (off.qos0.at(-1) as number));
      ratios.qos1p50.push((on.qos1p50.at(-1) as number) / (off.qos1p50.at(-1) as number));
    }

    // Residence and socat rounds alternate, so both see the same state of this shared machine.
    const residences: PieceStats[][] = [];
    const apps: LoadResult[] = [];
    const socats: SocatRound[] = [];
    for (let round = 1; round <= o.residenceRounds; round++) {
      o.onProgress?.(`round ${round}/${o.residenceRounds}: host residence, QoS 1 at ${o.residenceRate}/s for ${o.residenceSeconds} s, capture on`);
      const residence = createResidence(BigInt(o.residenceWarmupSeconds * 1e9));
      const env = { LOAD_MODE: 'rate', LOAD_QOS: '1', LOAD_RATE: String(o.residenceRate), LOAD_SECONDS: String(o.residenceSeconds), LOAD_TOPIC: `bench/capture/residence/${round}` };
      apps.push(check(await runLoad({ ...load, tty: tty(), env, onCapture: residence.onCapture }), 'QoS 1 for the residence'));
      residences.push(residence.stats());
      o.onProgress?.(`round ${round}/${o.residenceRounds}: direct TCP vs socat pty<->TCP, ${o.socatN} QoS 1 round trips each`);
      socats.push(await socatRound(broker.port, tty(), { n: o.socatN, warmup: 200 }));
    }
    const med = (xs: number[]) => percentile(xs, 50) as number;
    const residenceApp = { p50: med(apps.map((a) => a.p50Us as number)), p99: med(apps.map((a) => a.p99Us as number)) };
    return { off, on, ratios, residence: medianOfRuns(residences), residenceApp, socat: summarizeSocat(socats), socatRounds: socats, toggleLateUs };
  } finally {
    await broker.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
