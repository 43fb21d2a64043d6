import { describe, expect, it } from 'vitest';
import { createLedger } from './ledger.js';

describe('campaign ledger', () => {
  it('passes when every acknowledged QoS 1/2 message arrived (QoS 2 once), and counts QoS 0 drops without failing', () => {
    const l = createLedger();
    for (const [id, qos] of [['u1.0', 0], ['u1.1', 1], ['u1.2', 2]] as const) {
      l.published(id, qos, 1);
      l.confirmed(id);
    }
    l.arrivedAtBroker('u1.1');
    l.arrivedAtBroker('u1.1'); // QoS 1 twice: allowed
    l.arrivedAtBroker('u1.2');
    l.sentDown('d0', 0);
    l.accepted('d0');
    const s = l.summary();
    expect(s.failures).toEqual([]);
    expect(s.up[0]).toMatchObject({ sent: 1, acknowledged: 1, arrived: 0, dropped: 1 });
    expect(s.up[1]).toMatchObject({ arrived: 1, duplicated: 1, lost: 0 });
    expect(s.down[0]).toMatchObject({ sent: 1, dropped: 1 });
  });

  it('fails a confirmed message that never arrived, a QoS 2 duplicate, and an accepted message the app never got', () => {
    const l = createLedger();
    l.published('u1.1', 1, 1);
    l.confirmed('u1.1');
    l.published('u1.2', 2, 1);
    l.confirmed('u1.2');
    l.arrivedAtBroker('u1.2');
    l.arrivedAtBroker('u1.2');
    l.published('u2.1', 1, 2); // never confirmed: lost with the RAM, allowed
    l.sentDown('d1', 1);
    l.accepted('d1');
    l.sentDown('d2', 2);
    l.accepted('d2');
    l.receivedByApp('d2');
    l.pubrecFromBoard('d2');
    l.publishToBoard('d2'); // the broker sent it again after the PUBREC
    l.receivedByApp('d2');
    const s = l.summary();
    expect(s.failures).toEqual([
      'up u1.1 (QoS 1): on_publish confirmed it, the broker never delivered it',
      'up u1.2 (QoS 2): delivered 2 times',
      "down d1 (QoS 1): the broker accepted it for the board's session, the app never received it",
      expect.stringMatching(/^down d2 \(QoS 2\): the app received it 2 times: the broker sent its PUBLISH again after the board had answered it with PUBREC/),
    ]);
    expect(s.up[1].lost).toBe(1);
    expect(l.unconfirmed(2)).toBe(1);
  });

  it('counts, and does not fail, a QoS 2 message the board acknowledged with PUBREC and then lost with its RAM', () => {
    const l = createLedger();
    l.sentDown('d3', 2);
    l.accepted('d3');
    expect(l.undelivered()).toBe(1);
    l.pubrecFromBoard('d3');
    expect(l.undelivered()).toBe(0);
    const s = l.summary();
    expect(s.failures).toEqual([]);
    expect(s.down.lostAfterPubrec).toBe(1);
  });

  it('names the cause when a lost message was sent while the broker held 20 unreleased QoS 2 of earlier boots', () => {
    const l = createLedger();
    l.published('u300.1', 1, 300);
    l.confirmed('u300.1');
    l.sentToBroker('u300.1', 20);
    l.published('u300.4', 1, 300);
    l.confirmed('u300.4');
    l.sentToBroker('u300.4', 3);
    const s = l.summary();
    expect(s.failures).toEqual([
      expect.stringMatching(/^up u300\.1 \(QoS 1\): on_publish confirmed it, the broker never delivered it: the broker's session then held up to 20 QoS 2 messages of earlier boots that the board, its RAM gone, can never release/),
      'up u300.4 (QoS 1): on_publish confirmed it, the broker never delivered it (the broker\'s session then held up to 3 unreleased QoS 2 messages of earlier boots)',
    ]);
    expect(s.up.unreleasedMax).toBe(20);
  });
});
