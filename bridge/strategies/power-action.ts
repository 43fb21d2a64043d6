import { filter, type Subscription } from 'rxjs';
import type { DaemonBoard } from '../daemon/daemon.js';
import type { BoardClient } from '../daemon/board-clients.js';
import type { CutProfile } from '../session/cut-profile.js';
import type { Timeline, TimelineStep } from './timeline.js';
import { observeTopics, type ObservedMessage } from './will-observer.js';

export type PowerAction = 'cut' | 'on' | 'cycle';

export interface PowerActionOptions {
  /** cut, cycle: what the broker sees (default: the board's cutProfile). */
  profile?: CutProfile;
  /** cycle: time without power (default 1000 ms). */
  offMs?: number;
  /** How long a will may take (default 10 s; silent: 1.5 x keep_alive + 5 s). */
  willTimeoutMs?: number;
  /** After power on: how long the board's clients have to connect again (default 90 s: the SDK backs off up to 60 s). */
  returnTimeoutMs?: number;
  /** After the last CONNACK: this long without a redelivered message ends the count (default 1000 ms). */
  settleMs?: number;
  /**
   * Ends the action where it stands (its client went away, the bridge is stopping): every wait
   * returns at once and the timeline's last step says what was cut short and the power state.
   */
  signal?: AbortSignal;
}

/** Why a wait ended early: the signal's reason. */
class Cancelled extends Error {}

const cancelled = (signal: AbortSignal) => new Cancelled(typeof signal.reason === 'string' ? signal.reason : 'cancelled');

/** Runs `arm(done)`, rejecting with Cancelled if `signal` aborts first; `disarm` always runs. */
function abortable<T>(signal: AbortSignal | undefined, arm: (done: (value: T) => void) => () => void): Promise<T> {
  if (signal?.aborted) return Promise.reject(cancelled(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      disarm();
      reject(cancelled(signal as AbortSignal));
    };
    const disarm = arm((value) => {
      signal?.removeEventListener('abort', onAbort);
      disarm();
      resolve(value);
    });
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

const sleep = (ms: number, signal?: AbortSignal) =>
  abortable<void>(signal, (done) => {
    const timer = setTimeout(done, ms);
    return () => clearTimeout(timer);
  });

/**
 * A labgrid-style strategy: brings a board to "off", "on" or through a power cycle with its
 * power driver, tells the bridge at once (it caused the loss, so it need not wait for the link
 * to notice), and records what followed — the broker connections dropped, the wills an
 * observer at the broker received (latency from the cut), and after power on the HELLO, each
 * client's CONNACK with session-present and the QoS 1/2 messages the broker had kept for it.
 */
export async function runPowerAction(name: string, board: DaemonBoard, action: PowerAction, options: PowerActionOptions = {}, onStep: (s: TimelineStep) => void = () => undefined): Promise<Timeline> {
  const steps: TimelineStep[] = [];
  // Time 0 is the moment power is switched (the cut, or for "on" the power-on), not the setup
  // before it: a will's atMs is its latency from the cut.
  let t0: bigint | undefined;
  const begin = (): void => {
    t0 ??= process.hrtime.bigint();
  };
  const since = (at: bigint = process.hrtime.bigint()) => Number(at - (t0 ?? at)) / 1e6;
  const add: Add = (s) => {
    const { at, ...rest } = s;
    const step = { ...rest, atMs: since(at) };
    steps.push(step);
    onStep(step);
  };
  const profile = options.profile ?? board.config.cutProfile;
  const timeline: Timeline = { board: name, action, ...(action !== 'on' && { profile }), startedAt: new Date().toISOString(), steps, ok: true };
  const { signal } = options;
  let switchedTo: 'off' | 'on' | undefined;
  try {
    const before = board.clients();
    // Switching on a board that is on changes nothing, so no HELLO would come: say so now
    // instead of after the return timeout.
    // Nor does cutting one that is off: no link to lose, no will due.
    // A board with clients connected through the bridge is on, whatever the driver last did
    // (a sim restarted, or switched by hand): the driver's word counts only when it is sure
    // and the board is silent.
    const said = action === 'cycle' ? undefined : await board.power.state();
    const state = before.length > 0 ? 'on' : said;
    if ((action === 'on' && state === 'on') || (action === 'cut' && state === 'off')) {
      const hint = action === 'on' ? 'power cycle restarts it' : 'power on brings it back';
      const why = said === state ? board.power.description : `${before.length} client${before.length === 1 ? '' : 's'} connected: ${before.map((c) => c.clientId).join(', ')}`;
      add({ step: 'error', detail: `the board is already ${state} (${why}): nothing to switch; ${hint}` });
      timeline.ok = false;
      return timeline;
    }
    if (action !== 'on') timeline.ok = (await cutPhase(board, before, profile, options, add, begin, () => (switchedTo = 'off'))) && timeline.ok;
    if (action === 'cycle') await sleep(options.offMs ?? 1000, signal);
    if (action !== 'cut') timeline.ok = (await onPhase(board, before, options, add, begin, () => (switchedTo = 'on'))) && timeline.ok;
  } catch (error) {
    // A cancelled cycle is not completed on its own: power on would start a boot nobody watches.
    const state = switchedTo === 'off' ? 'the board is left powered off' : switchedTo === 'on' ? 'the board is powered on' : 'its power was not switched';
    add({ step: 'error', detail: error instanceof Cancelled ? `cancelled (${error.message}): ${state}` : (error as Error).message });
    timeline.ok = false;
  }
  return timeline;
}

type Add = (s: Omit<TimelineStep, 'atMs'> & { at?: bigint }) => void;

async function cutPhase(board: DaemonBoard, clients: BoardClient[], profile: CutProfile, options: PowerActionOptions, add: Add, begin: () => void, switched: () => void): Promise<boolean> {
  const due = clients.filter((c) => c.will);
  const wills: ObservedMessage[] = [];
  let arrived: (() => void) | undefined;
  const observer = await observeTopics(board.brokerUrl, [...new Set(due.map((c) => (c.will as { topic: string }).topic))], (m) => {
    wills.push(m);
    arrived?.();
  });
  const byConn = new Map(clients.map((c) => [c.connId, c]));
  const dropped: Subscription = board.events$.pipe(filter((e) => e.type === 'cut')).subscribe((e) => {
    if (e.type !== 'cut') return;
    add({ step: 'broker-dropped', detail: `connection ${e.connId}${byConn.has(e.connId) ? ` (client ${byConn.get(e.connId)?.clientId})` : ''}: ${e.profile}`, clientId: byConn.get(e.connId)?.clientId });
  });
  try {
    begin();
    await board.power.off();
    switched();
    add({ step: 'cut', detail: `power off (${board.power.description})` });
    add({ step: 'link-lost', detail: 'the bridge was told at once (it cut the power)' });
    board.cut(profile);
    let ok = true;
    const taken = new Set<ObservedMessage>();
    await Promise.all(
      due.map(async (c) => {
        const will = c.will as { topic: string; qos: number };
        if (profile === 'silent' && c.keepalive === 0) {
          add({ step: 'no-will', detail: `client ${c.clientId}: keep-alive 0 and a silent cut: the broker never notices it is gone, so no will on ${will.topic}`, clientId: c.clientId });
          return;
        }
        const limit = options.willTimeoutMs ?? (profile === 'silent' ? 1.5 * c.keepalive * 1000 + 5000 : 10_000);
        // Said up front: the board stays off all that time, whatever --off-ms asks for after it.
        if (profile === 'silent') add({ step: 'waiting', detail: `client ${c.clientId}: a silent cut is noticed only by the broker's keep-alive, so its will on ${will.topic} is due within 1.5 x ${c.keepalive} s; waiting up to ${(limit / 1000).toFixed(1)} s before anything else`, clientId: c.clientId });
        const found = await waitFor(() => wills.find((m) => m.topic === will.topic && !taken.has(m)), (wake) => (arrived = chain(arrived, wake)), limit, options.signal);
        if (!found) {
          ok = false;
          add({ step: 'will-missing', detail: `client ${c.clientId}: no will on ${will.topic} within ${limit} ms`, clientId: c.clientId });
          return;
        }
        taken.add(found);
        add({ step: 'will', at: found.at, detail: `${found.topic} = ${JSON.stringify(found.payload.toString('utf8').slice(0, 80))} (client ${c.clientId})`, clientId: c.clientId });
      }),
    );
    if (due.length === 0) add({ step: 'no-will', detail: clients.length ? 'none of its clients had a will' : 'no client of the board was connected' });
    return ok;
  } finally {
    dropped.unsubscribe();
    await observer.close();
  }
}

async function onPhase(board: DaemonBoard, before: BoardClient[], options: PowerActionOptions, add: Add, begin: () => void, switched: () => void): Promise<boolean> {
  const limit = options.returnTimeoutMs ?? 90_000;
  const settleMs = options.settleMs ?? 1000;
  const expected = new Set(before.map((c) => c.clientId));
  const clientOf = new Map<number, string>();
  const back = new Set<string>();
  const redelivered = new Map<string, number>();
  let lastActivity = Date.now();
  let wake: (() => void) | undefined;
  let helloSeen = board.config.link === 'raw'; // raw lines have no HELLO
  const subs: Subscription[] = [
    board.events$.subscribe((e) => {
      if (e.type === 'link-up' && !helloSeen) {
        helloSeen = true;
        add({ step: 'hello', detail: `link up (${e.cause}): board ${e.board}, firmware ${e.firmware}` });
      } else if (e.type === 'mqtt-connect') {
        clientOf.set(e.connId, e.clientId);
      } else if (e.type === 'mqtt-connack') {
        const clientId = clientOf.get(e.connId) ?? `connection ${e.connId}`;
        back.add(clientId);
        lastActivity = Date.now();
        add({ step: 'connack', detail: `client ${clientId}: return code ${e.returnCode}, session present ${e.sessionPresent}`, clientId, sessionPresent: e.sessionPresent });
      }
      wake?.();
    }),
    board.packets$.subscribe((p) => {
      if (p.direction !== 'to-board' || p.packet.cmd !== 'publish' || (p.packet.qos ?? 0) === 0) return;
      const clientId = clientOf.get(p.connId);
      if (!clientId || !back.has(clientId)) return;
      redelivered.set(clientId, (redelivered.get(clientId) ?? 0) + 1);
      lastActivity = Date.now();
    }),
  ];
  try {
    begin();
    await board.power.on();
    switched();
    add({ step: 'power-on', detail: `power on (${board.power.description})` });
    const start = Date.now();
    const allBack = () => helloSeen && [...expected].every((id) => back.has(id)) && (expected.size > 0 || back.size > 0);
    while (!allBack() && Date.now() - start < limit) await waitFor(() => (allBack() ? true : undefined), (w) => (wake = w), limit - (Date.now() - start), options.signal);
    if (!allBack()) {
      const missing = [...expected].filter((id) => !back.has(id));
      add({ step: 'error', detail: helloSeen ? `within ${limit} ms, not connected again: ${missing.join(', ') || 'no client at all'}` : `no HELLO within ${limit} ms: did the board boot?` });
      return false;
    }
    // Redelivery has no end marker: counted until the session has been quiet for settleMs.
    while (Date.now() - lastActivity < settleMs) await sleep(settleMs - (Date.now() - lastActivity), options.signal);
    for (const id of back) add({ step: 'redelivered', detail: `client ${id}: ${redelivered.get(id) ?? 0} QoS 1/2 messages kept for its session`, clientId: id, count: redelivered.get(id) ?? 0 });
    return true;
  } finally {
    for (const s of subs) s.unsubscribe();
  }
}

const chain = (a: (() => void) | undefined, b: () => void) => () => {
  a?.();
  b();
};

/**
 * Resolves with `check()`'s first defined value, re-checked whenever `onWake`'s callback runs;
 * undefined after `ms`; rejects with Cancelled when `signal` aborts.
 */
function waitFor<T>(check: () => T | undefined, onWake: (wake: () => void) => void, ms: number, signal?: AbortSignal): Promise<T | undefined> {
  const now = check();
  if (now !== undefined) return Promise.resolve(now);
  return abortable<T | undefined>(signal, (done) => {
    let live = true;
    const timer = setTimeout(() => done(check()), Math.max(0, ms));
    onWake(() => {
      if (!live) return;
      const v = check();
      if (v !== undefined) done(v);
    });
    return () => {
      live = false;
      clearTimeout(timer);
    };
  });
}

