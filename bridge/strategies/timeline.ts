/** One moment of a power action, in ms from its start (the cut, or power on). */
export interface TimelineStep {
  step:
    | 'cut' // power removed (the driver's off resolved)
    | 'link-lost' // the bridge knows the board is gone
    | 'broker-dropped' // one broker connection ended, as the cut profile says
    | 'will' // the observer at the broker received a will
    | 'no-will' // a will that will never come, and why
    | 'will-missing' // a will that was due and did not come in time
    | 'waiting' // what is being waited for, when that is long (a silent cut's will)
    | 'power-on' // the driver's on resolved
    | 'hello' // the board's link came up (HELLO with its new boot id)
    | 'connack' // a client of the board connected again
    | 'redelivered' // QoS 1/2 messages the broker had kept for the session, passed to the board
    | 'error';
  atMs: number;
  detail: string;
  /** For will / connack / redelivered: whose. */
  clientId?: string;
  sessionPresent?: boolean;
  count?: number;
}

export interface Timeline {
  board: string;
  action: 'cut' | 'on' | 'cycle';
  profile?: string;
  /** When the action started (ISO 8601), for reports. */
  startedAt: string;
  steps: TimelineStep[];
  /** True when every will due arrived and, after power on, the board's clients came back. */
  ok: boolean;
}

const ms = (n: number) => `+${n.toFixed(1).padStart(8)} ms`;

/** A step as the CLI prints it: "+   12.3 ms  will          dl7450/status = offline (client a)". */
export function formatStep(s: TimelineStep): string {
  return `${ms(s.atMs)}  ${s.step.padEnd(14)} ${s.detail}`;
}
