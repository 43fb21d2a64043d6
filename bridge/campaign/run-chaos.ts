import { startCampaignBroker } from './campaign-broker.js';
import type { Logger } from '../log.js';
import type { CutProfile } from '../session/cut-profile.js';
import { runPowerAction } from '../strategies/power-action.js';
import { seededRandom } from '../../streams/faults/line-faults.js';
import { startBackend } from './backend.js';
import { chaosApp, chaosNames, type ChaosAppState } from './chaos-app.js';
import { createLedger } from './ledger.js';
import { trackPubrecs } from './pubrec-tracker.js';
import { startVirtualRig } from './virtual-rig.js';
import type { ChaosCut, ChaosReport } from './chaos-report.js';

export interface ChaosOptions {
  cuts: number;
  seed: number;
  /** Chosen from at random per cut (seeded). */
  profiles: CutProfile[];
  /** A broker URL, or undefined for one of its own (campaign-broker.ts). */
  broker?: string;
  /** Board uptime before each cut, ms, drawn uniformly from this range. */
  uptimeMs: [number, number];
  /** Time without power per cut, ms, drawn uniformly from this range. */
  offMs: [number, number];
  /** Between publishes, each way. */
  intervalMs: number;
  /** After the last cut: how long everything acknowledged has to arrive. */
  drainMs: number;
  /** Ends the campaign after the cut under way (Ctrl-C): it drains and reports as after the last. */
  signal?: AbortSignal;
}

export const DEFAULT_CHAOS: Omit<ChaosOptions, 'cuts' | 'seed'> = {
  profiles: ['rst', 'fin'],
  uptimeMs: [150, 600],
  offMs: [0, 200],
  intervalMs: 4,
  drainMs: 20_000,
};

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function until(done: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!done()) {
    if (Date.now() > end) return false;
    await sleep(10);
  }
  return true;
}

/**
 * A power-cut campaign: a virtual DL-7450 on a pty the bridge owns, the bridge, a broker (real
 * or embedded) and a backend, QoS 0/1/2 traffic both ways, and `cuts` power cuts at seeded
 * random moments through the power strategy. Afterwards every message is accounted for
 * (ledger.ts): confirmed QoS 1 arrived, QoS 2 exactly once, everything the broker accepted for
 * the board's session reached its app; QoS 0 losses are counted.
 */
export async function runChaos(options: ChaosOptions, logger: Logger, onCut: (done: number, cut: ChaosCut) => void = () => undefined): Promise<ChaosReport> {
  const started = Date.now();
  const random = seededRandom(options.seed);
  const between = ([lo, hi]: [number, number]) => Math.round(lo + random() * (hi - lo));
  const ledger = createLedger();
  const names = chaosNames(options.seed);
  const state: ChaosAppState = { boot: 0, stopping: false };
  const cleanups: (() => Promise<unknown> | void)[] = [];
  const cuts: ChaosCut[] = [];
  try {
    const own = options.broker === undefined ? await startCampaignBroker() : undefined;
    if (own) cleanups.unshift(() => own.stop());
    const brokerUrl = options.broker ?? (own as NonNullable<typeof own>).url;
    const rig = await startVirtualRig({ brokerUrl, boardId: 'chaos-dl7450', logger, app: chaosApp(ledger, state, names, { window: 10, intervalMs: options.intervalMs }) });
    cleanups.unshift(() => rig.stop());
    const { dut, board } = rig;
    const tracking = trackPubrecs(dut.packets$, ledger, names);
    cleanups.unshift(() => tracking.unsubscribe());
    // The backend publishes only once the app's session has its subscription: before that the
    // broker has nobody to keep messages for, and would rightly drop them.
    let subscribed = false;
    const suback = dut.packets$.subscribe((p) => {
      if (p.direction === 'to-board' && p.packet.cmd === 'suback') subscribed = true;
    });
    cleanups.unshift(() => suback.unsubscribe());
    const backend = await startBackend(brokerUrl, ledger, names, { window: 10, intervalMs: options.intervalMs });
    cleanups.unshift(() => backend.close());
    await board.powerOn();
    if (!(await until(() => subscribed, 30_000))) throw new Error('the board\'s app did not connect and subscribe through the bridge within 30 s');
    backend.startPublishing();

    for (let i = 1; i <= options.cuts && !options.signal?.aborted; i++) {
      const uptimeMs = between(options.uptimeMs);
      const offMs = between(options.offMs);
      const profile = options.profiles[Math.floor(random() * options.profiles.length)];
      await sleep(uptimeMs);
      if (options.signal?.aborted) break;
      const timeline = await runPowerAction('dut', dut, 'cycle', { profile, offMs, settleMs: 0, willTimeoutMs: 10_000, returnTimeoutMs: 30_000 });
      const will = timeline.steps.find((s) => s.step === 'will');
      const cut: ChaosCut = { cut: i, uptimeMs, offMs, profile, ok: timeline.ok, ...(will && { willMs: will.atMs }), steps: timeline.steps.map((s) => `${s.step} +${s.atMs.toFixed(2)}ms ${s.detail}`) };
      cuts.push(cut);
      onCut(i, cut);
    }

    // Everything acknowledged gets its chance to arrive: no new traffic, then wait for the rest.
    state.stopping = true;
    backend.stopPublishing();
    const drained = await until(() => ledger.unconfirmed(state.boot) === 0 && backend.unacknowledged === 0 && ledger.undelivered() === 0, options.drainMs);
    // Late duplicates: a settle time after the counts stop moving.
    await sleep(300);
    const summary = ledger.summary();
    const failures = [...summary.failures, ...cuts.filter((c) => !c.ok).map((c) => `cut ${c.cut}: ${c.steps.filter((s) => /^(error|will-missing)/.test(s)).join('; ') || 'its timeline failed'}`)];
    if (!drained) failures.push(`after the last cut, not everything drained within ${options.drainMs} ms`);
    const willMs = cuts.map((c) => c.willMs).filter((x): x is number => x !== undefined);
    return {
      seed: options.seed,
      cuts: cuts.length,
      ...(cuts.length < options.cuts && { interrupted: { requestedCuts: options.cuts } }),
      profiles: options.profiles,
      broker: options.broker ?? (own as NonNullable<typeof own>).description,
      startedAt: new Date(started).toISOString(),
      durationMs: Date.now() - started,
      boots: state.boot,
      summary,
      wills: { received: willMs.length, latenciesMs: willMs },
      failures,
      passed: failures.length === 0,
      cutLog: cuts,
    };
  } finally {
    for (const c of cleanups) {
      try {
        await c();
      } catch {
        // best effort: the report is decided
      }
    }
  }
}

