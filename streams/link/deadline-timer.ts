import type { Subscription } from 'rxjs';

/**
 * A timer for a deadline that moves often and rarely expires (an acknowledgement that a frame
 * going the other way usually carries, a retransmission timeout that every ack pushes back).
 * Clearing or pushing back the deadline leaves the armed timer alone, and a timer that fires
 * early waits out the rest: a request/response exchange over a fast line would otherwise arm and
 * cancel a timer per frame, which cost each process about 10 us of CPU per QoS 1 round trip.
 */
export function createDeadlineTimer(after: (ms: number, fn: () => void) => Subscription, now: () => number, expired: () => void) {
  let deadline: number | undefined;
  let timer: Subscription | undefined;
  let timerAt = 0;

  const arm = (at: number): void => {
    timerAt = at;
    timer = after(at - now(), fired);
  };
  function fired(): void {
    timer = undefined;
    if (deadline === undefined) return;
    if (deadline > now()) return arm(deadline);
    deadline = undefined;
    expired();
  }

  return {
    /** Expire at `at`; a timer already armed for no later than that is kept. */
    set(at: number): void {
      deadline = at;
      if (timer !== undefined && timerAt <= at) return;
      timer?.unsubscribe();
      arm(at);
    },
    /** Nothing to expire; an armed timer fires later and finds nothing. */
    clear(): void {
      deadline = undefined;
    },
    pending: (): boolean => deadline !== undefined,
    /** Clears and disarms (a reset, the end). */
    stop(): void {
      deadline = undefined;
      timer?.unsubscribe();
      timer = undefined;
    },
  };
}
