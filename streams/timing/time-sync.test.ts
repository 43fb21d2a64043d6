import { describe, expect, it } from 'vitest';
import { VirtualAction, VirtualTimeScheduler } from 'rxjs';
import { decodeTime, encodeTime } from '../link/time-codec.js';
import { answerTimeRequest, createTimeSyncRequester, type ClockEstimate } from './time-sync.js';

const OFFSET = 5_000n; // the board's clock runs 5 µs ahead of the host's
const MS = 1_000_000n;

interface Delay {
  /** Host -> board, board hold time, board -> host, in virtual ms. */
  up: number;
  hold?: number;
  down: number;
}

/**
 * A requester on virtual time and a fake board answering with the real answerTimeRequest, on
 * a clock OFFSET ahead of the host's; exchange i travels with delays[i] (missing: no answer).
 */
function rig(delays: (Delay | undefined)[], tamper?: (response: Buffer) => Buffer[]) {
  const sched = new VirtualTimeScheduler(VirtualAction, Infinity);
  const host = () => BigInt(sched.now()) * MS;
  const board = () => host() + OFFSET;
  const requests: Buffer[] = [];
  const requester = createTimeSyncRequester({
    scheduler: sched,
    now: host,
    answerTimeoutMs: 100,
    send(payload) {
      const d = delays[requests.length];
      requests.push(payload);
      if (!d) return;
      sched.schedule(() => {
        const t2 = board();
        sched.schedule(() => {
          const response = answerTimeRequest(payload, t2, board) as Buffer;
          sched.schedule(() => {
            for (const r of tamper ? tamper(response) : [response]) requester.received(r, host());
          }, d.down);
        }, d.hold ?? 0);
      }, d.up);
    },
  });
  return { sched, requester, requests };
}

/** Runs virtual time until `p` settles (the requester awaits between exchanges). */
async function drive<T>(sched: VirtualTimeScheduler, p: Promise<T>): Promise<{ value?: T; error?: unknown; settled: boolean }> {
  let out: { value?: T; error?: unknown; settled: boolean } = { settled: false };
  p.then(
    (value) => (out = { value, settled: true }),
    (error) => (out = { error, settled: true }),
  );
  for (let i = 0; i < 200 && !out.settled; i++) {
    sched.flush();
    await new Promise((r) => setImmediate(r));
  }
  return out;
}

const offsetOf = (d: Delay) => Number(OFFSET) + ((d.up - d.down) / 2) * 1e6;

describe('createTimeSyncRequester', () => {
  it('estimates the offset within its bound despite asymmetric delays', async () => {
    const delays: Delay[] = [
      { up: 6, down: 2, hold: 1 },
      { up: 3, down: 5 },
      { up: 1, down: 4, hold: 2 },
      { up: 9, down: 9 },
    ];
    const { sched, requester } = rig(delays);
    const { value } = await drive(sched, requester.estimate(4));
    const est = value as ClockEstimate;
    expect(Math.abs(est.offsetNs - Number(OFFSET))).toBeLessThanOrEqual(est.boundNs);
    expect([est.samples, est.sent]).toEqual([4, 4]);
  });

  it('keeps the sample with the shortest round trip (minimum-delay filter)', async () => {
    const delays: Delay[] = [
      { up: 10, down: 2 },
      { up: 4, down: 4 },
      { up: 1, down: 2, hold: 30 }, // the shortest wire time, however long the board held it
      { up: 2, down: 3 },
    ];
    const { sched, requester } = rig(delays);
    const { value } = await drive(sched, requester.estimate(4));
    expect(value).toEqual({ offsetNs: offsetOf(delays[2]), boundNs: 1.5e6, samples: 4, sent: 4 });
  });

  it('counts unanswered exchanges as sent but not as samples', async () => {
    const { sched, requester, requests } = rig([undefined, { up: 2, down: 2 }, undefined]);
    const { value } = await drive(sched, requester.estimate(3));
    expect(requests).toHaveLength(3);
    expect(value).toEqual({ offsetNs: Number(OFFSET), boundNs: 2e6, samples: 1, sent: 3 });
  });

  it('sends distinct ids, one exchange at a time, with t1 on the host clock', async () => {
    const { sched, requester, requests } = rig([{ up: 1, down: 1 }, { up: 1, down: 1 }, { up: 1, down: 1 }]);
    await drive(sched, requester.estimate(3));
    const msgs = requests.map((r) => decodeTime(r));
    expect(msgs.map((m) => (typeof m === 'string' ? m : [m.type, m.id]))).toEqual([
      ['request', 1],
      ['request', 2],
      ['request', 3],
    ]);
    // Each request went out when the previous answer came (2 virtual ms a round trip).
    expect(msgs.map((m) => (typeof m === 'string' ? m : m.t1))).toEqual([0n, 2n * MS, 4n * MS]);
  });

  it('rejects, mentioning TIME, when nothing is answered', async () => {
    const { sched, requester, requests } = rig([]);
    const { error } = await drive(sched, requester.estimate(3));
    expect(requests).toHaveLength(3);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/TIME/);
    expect((error as Error).message).toMatch(/3/);
  });

  it('ignores a response with the wrong id or t1, a request, and a short payload', async () => {
    const forged = (response: Buffer) => {
      const m = decodeTime(response);
      if (typeof m === 'string' || m.type !== 'response') throw new Error('no response');
      // Forgeries claiming a wildly different offset, then the genuine answer.
      return [
        encodeTime({ ...m, id: m.id + 1, t2: m.t2 + 10n ** 12n }),
        encodeTime({ ...m, t1: m.t1 + 1n, t2: m.t2 + 10n ** 12n }),
        encodeTime({ type: 'request', id: m.id, t1: m.t1 }),
        Buffer.from([2, 0, 0]),
        response,
      ];
    };
    const { sched, requester } = rig([{ up: 2, down: 2 }], forged);
    const { value } = await drive(sched, requester.estimate(1));
    expect(value).toEqual({ offsetNs: Number(OFFSET), boundNs: 2e6, samples: 1, sent: 1 });
  });

  it('ignores an answer that comes after its exchange timed out', async () => {
    // 150 ms round trip against a 100 ms answer timeout.
    const { sched, requester } = rig([{ up: 75, down: 75 }]);
    const { error } = await drive(sched, requester.estimate(1));
    expect((error as Error).message).toMatch(/TIME/);
  });

  it('does not take a late answer to an earlier exchange for the current one', async () => {
    // Exchange 1 times out at 100 ms; its answer lands at 150 ms, while exchange 2 (sent at
    // 100 ms, answered at 160 ms) waits.
    const { sched, requester } = rig([{ up: 75, down: 75 }, { up: 30, down: 30 }]);
    const { value } = await drive(sched, requester.estimate(2));
    expect(value).toEqual({ offsetNs: Number(OFFSET), boundNs: 30e6, samples: 1, sent: 2 });
  });

  it('stop() sends no further requests and ends the estimate: the session is gone', async () => {
    const { sched, requester, requests } = rig([{ up: 1, down: 1 }, { up: 1, down: 1 }, { up: 1, down: 1 }]);
    const p = requester.estimate(3);
    requester.stop(); // during the first exchange: no answer can come on a stopped link
    const { error } = await drive(sched, p);
    expect(requests).toHaveLength(1);
    expect((error as Error).message).toMatch(/stopped/);
  });

  it('reports as sent only the exchanges that went out', async () => {
    const { sched, requester, requests } = rig([{ up: 1, down: 1 }, { up: 75, down: 75 }]);
    const { value } = await drive(sched, requester.estimate(2));
    expect(requests).toHaveLength(2);
    expect(value).toMatchObject({ samples: 1, sent: 2 });
  });

  it('stop() settles an estimate whose exchange is still waiting for its answer', async () => {
    // The board never answers; the session stops while syncClock() is pending.
    const { sched, requester } = rig([]);
    const p = requester.estimate(3);
    requester.stop();
    const out = await drive(sched, p);
    expect(out.settled).toBe(true);
  });
});

describe('answerTimeRequest', () => {
  it('answers a request with its id and t1, the receive time and its own send time', () => {
    const answer = answerTimeRequest(encodeTime({ type: 'request', id: 42, t1: 1000n }), 2000n, () => 2500n) as Buffer;
    expect(decodeTime(answer)).toEqual({ type: 'response', id: 42, t1: 1000n, t2: 2000n, t3: 2500n });
  });

  it('answers nothing else', () => {
    expect(answerTimeRequest(encodeTime({ type: 'response', id: 1, t1: 1n, t2: 2n, t3: 3n }), 5n, () => 6n)).toBeUndefined();
    expect(answerTimeRequest(Buffer.from([1, 2]), 5n, () => 6n)).toBeUndefined();
  });
});
