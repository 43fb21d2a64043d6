import { describe, expect, it } from 'vitest';
import { createBrokerReadGate } from './broker-read-gate.js';

function gate(maxReadAheadBytes = 100) {
  const calls: string[] = [];
  const g = createBrokerReadGate({
    maxReadAheadBytes,
    pause: () => calls.push('pause'),
    resume: () => calls.push('resume'),
    exhausted: (bytes) => calls.push(`exhausted ${bytes}`),
  });
  return { g, calls };
}

describe('broker read gate', () => {
  it('pauses while the board is congested and resumes when it drains, once per change', () => {
    const { g, calls } = gate();
    g.congested(true);
    g.congested(true);
    g.fromBroker('publish', 50);
    g.congested(false);
    expect(calls).toEqual(['pause', 'resume']);
    expect(g.reading).toBe(true);
  });

  it('reads on past a congested board while a PINGREQ is outstanding, and pauses again after the PINGRESP', () => {
    const { g, calls } = gate();
    g.congested(true);
    g.pingSent();
    expect(g.reading).toBe(true);
    g.fromBroker('publish', 40);
    g.fromBroker('publish', 40);
    expect(g.reading).toBe(true);
    g.fromBroker('pingresp', 2);
    expect(g.reading).toBe(false);
    expect(calls).toEqual(['pause', 'resume', 'pause']);
  });

  it('stops reading ahead at the limit and says so; the next PINGREQ gets a fresh allowance', () => {
    const { g, calls } = gate(100);
    g.congested(true);
    g.pingSent();
    g.fromBroker('publish', 60);
    g.fromBroker('publish', 60);
    expect(g.reading).toBe(false);
    expect(calls).toEqual(['pause', 'resume', 'exhausted 120', 'pause']);
    g.pingSent();
    expect(g.reading).toBe(true);
  });

  it('does not count what it reads while the board keeps up', () => {
    const { g, calls } = gate(100);
    g.pingSent();
    g.fromBroker('publish', 500);
    g.congested(true);
    expect(g.reading).toBe(true); // the ping is still outstanding, and nothing was read ahead yet
    g.fromBroker('publish', 99);
    expect(g.reading).toBe(true);
    g.fromBroker('publish', 1);
    expect(g.reading).toBe(false);
    expect(calls).toEqual(['exhausted 100', 'pause']);
  });
});
