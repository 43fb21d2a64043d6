import { BehaviorSubject, EMPTY, filter, firstValueFrom, map, merge, NEVER, Subject, switchMap, type Observable, type Subscription } from 'rxjs';
import { createSerialLinkFromSpec } from '../../drivers/link-from-spec.js';
import { resolveUsbPort, USB_SCHEME } from '../../drivers/ports/resolve-usb-port.js';
import { watchDevicePresence } from '../../drivers/serial/device-presence.js';
import type { SerialLink } from '../../drivers/serial-link.js';
import type { BoardConfig } from '../config/config-types.js';
import type { Logger } from '../log.js';
import type { BrokerConnector, PacketEvent, RunningSession, SessionEvent } from '../session/session-types.js';
import type { CutProfile } from '../session/cut-profile.js';
import { createCutter } from '../session/lingering.js';
import type { PacketCapture } from '../../streams/timing/capture-types.js';
import type { ClockEstimate } from '../../streams/timing/time-sync.js';
import { startSession } from './run-session.js';

const RETRY_MIN_MS = 1000;
const RETRY_MAX_MS = 30_000;

/** The spec to open now: `usb:<serial>` is looked up again each time (it may re-enumerate elsewhere). */
const resolvePort = (spec: string): Promise<string> => (spec.startsWith(USB_SCHEME) ? resolveUsbPort(spec.slice(USB_SCHEME.length)) : Promise.resolve(spec));

/** The device node behind a spec, when there is one to watch (not for tcp: or a bridge-owned pty:). */
const devicePath = (spec: string): string | undefined => (spec.startsWith('/') ? spec.split('?')[0] : /^serial:(\/[^?]*)/i.exec(spec)?.[1]);

export interface BoardRunner {
  readonly events$: Subject<SessionEvent>;
  /** Every packet of the board's sessions, built only while subscribed (it costs per packet). */
  readonly packets$: Observable<PacketEvent>;
  /** The same packets with their timing stamps, built only while subscribed. */
  readonly captures$: Observable<PacketCapture>;
  /** The board's clock against the host's, over the link's TIME channel (framed, link up). */
  syncClock(samples?: number): Promise<ClockEstimate>;
  /** The board just lost power: its broker connections end now, as `profile` says. */
  cut(profile?: CutProfile): void;
  /**
   * Whether the bridge is reading the board's line now. Opening a tty discards what it held,
   * so on a raw line (no retransmission) a board should only start talking once this is true.
   */
  readonly lineOpen$: Observable<boolean>;
  stop(): Promise<void>;
}

/**
 * One board on a line the bridge opens (tty, pty, remote serial server): opens it, runs a
 * session, and when the line is lost (unplugged, reset, server gone) drops the session's broker
 * connections as the board's cut profile says and reopens the line with back-off, logging each
 * attempt. A tty's path is watched too: a pulled cable or a dead hub often fails no read or
 * write, but the device node goes. `usb:<serial>` and by-id paths find the board again under
 * whatever name it re-enumerates as.
 */
export function runSerialBoard(board: BoardConfig, connectBroker: BrokerConnector, logger: Logger): BoardRunner {
  const log = logger.child({ board: board.name });
  const events$ = new Subject<SessionEvent>();
  let stopped = false;
  let line: SerialLink | undefined;
  let session: RunningSession | undefined;
  const session$ = new BehaviorSubject<RunningSession | undefined>(undefined);
  const lineOpen$ = new BehaviorSubject(false);
  let sessionEvents: Subscription | undefined;
  let wake: (() => void) | undefined;
  const cutter = createCutter();

  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(t);
        resolve();
      };
    });

  const loop = async (): Promise<void> => {
    let delay = RETRY_MIN_MS;
    while (!stopped) {
      let target: string;
      try {
        target = await resolvePort(board.port);
        line = createSerialLinkFromSpec(target, { baudRate: board.baudRate });
        await line.open();
      } catch (error) {
        await line?.close().catch(() => undefined);
        line = undefined;
        log.warn({ port: board.port, err: (error as Error).message, retryInMs: delay }, 'cannot open the board line');
        await pause(delay);
        delay = Math.min(RETRY_MAX_MS, delay * 2);
        continue;
      }
      delay = RETRY_MIN_MS;
      log.info({ line: line.description, link: board.link }, 'board line open');
      const device = devicePath(target);
      let ended: { lost?: string; peerClosed?: string };
      // A board program closing a pty the bridge owns ends its session, not the line: the pty
      // stays where it is for the program's next start, and a new session waits for it there.
      lineOpen$.next(true);
      do {
        session = startSession(board, board.name, line, connectBroker, logger, cutter);
        session$.next(session);
        sessionEvents = session.events$.subscribe((e) => events$.next(e));
        ended = await firstValueFrom(
          merge(
            line.state$.pipe(
              filter((s) => s.type === 'lost' || s.type === 'closed'),
              map((s) => (s.type === 'lost' ? { lost: s.error.message } : {})),
            ),
            (device ? watchDevicePresence(device) : NEVER).pipe(map((detail) => ({ lost: `the device vanished (${detail}) without the line reporting it` }))),
            (line.peerClosed$ ?? NEVER).pipe(map((detail) => ({ peerClosed: detail }))),
          ),
        );
        if (ended.lost) log.warn({ err: ended.lost, cut: board.cutProfile }, 'board line lost: its broker connections are dropped');
        if (ended.peerClosed) log.warn({ err: ended.peerClosed, cut: board.cutProfile }, 'the board program closed its line: its broker connections are dropped; the line waits for it');
        sessionEvents.unsubscribe();
        // A lost tty is a board gone (unplugged, browned out): the broker sees its cut profile.
        if (ended.lost) await session.stop('the board line was lost', board.cutProfile);
        else if (ended.peerClosed) await session.stop('the board program closed the line', board.cutProfile);
        else await session.stop('the board line closed');
        session = undefined;
        session$.next(undefined);
      } while (ended.peerClosed !== undefined && !stopped);
      lineOpen$.next(false);
      await line.close();
      if (!stopped) await pause(RETRY_MIN_MS);
    }
  };
  const running = loop();

  return {
    events$,
    packets$: session$.pipe(switchMap((s) => s?.packets$ ?? EMPTY)),
    captures$: session$.pipe(switchMap((s) => s?.captures$ ?? EMPTY)),
    syncClock: (samples) => session?.syncClock?.(samples) ?? Promise.reject(new Error(`board ${board.name}: clock sync needs a framed link that is up`)),
    cut: (profile) => session?.cut(profile),
    lineOpen$: lineOpen$.asObservable(),
    async stop() {
      stopped = true;
      wake?.();
      await session?.stop();
      await line?.close();
      await running;
      cutter.releaseAll('the bridge is stopping');
      session$.complete();
      lineOpen$.complete(); // false since the loop ended
      events$.complete();
    },
  };
}
