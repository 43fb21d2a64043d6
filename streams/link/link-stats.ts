import type { DropReason } from '../framing/deframe.js';

export interface LinkStats {
  state: 'syncing' | 'up';
  framesIn: number;
  framesOut: number;
  delivered: number;
  retransmits: number;
  duplicates: number;
  outOfOrder: number;
  overruns: number;
  notSynced: number;
  polls: number;
  resets: number;
  broken: number;
  consoleLines: number;
  dropped: Record<DropReason, number>;
  inFlight: number;
  queued: number;
  peerCredit: number;
  srttMs: number | undefined;
}

type Counters = Omit<LinkStats, 'state' | 'inFlight' | 'queued' | 'peerCredit' | 'srttMs'>;
type Gauges = Pick<LinkStats, 'state' | 'inFlight' | 'queued' | 'peerCredit' | 'srttMs'>;

export type LinkCounters = Counters & { snapshot(gauges: Gauges): LinkStats };

export function createLinkCounters(): LinkCounters {
  return {
    framesIn: 0,
    framesOut: 0,
    delivered: 0,
    retransmits: 0,
    duplicates: 0,
    outOfOrder: 0,
    overruns: 0,
    notSynced: 0,
    polls: 0,
    resets: 0,
    broken: 0,
    consoleLines: 0,
    dropped: { truncated: 0, crc: 0, version: 0, oversize: 0, 'plain-mqtt': 0 },
    snapshot(gauges) {
      const { snapshot: _omit, ...counts } = this;
      return { ...counts, dropped: { ...this.dropped }, ...gauges };
    },
  };
}

/** Stats of a link that never ran. */
export function emptyLinkStats(): LinkStats {
  return createLinkCounters().snapshot({ state: 'syncing', inFlight: 0, queued: 0, peerCredit: 0, srttMs: undefined });
}
