import { BehaviorSubject, distinctUntilChanged, filter, first, map, firstValueFrom, merge, Subject, switchMap, timeout, TimeoutError, type Subscription } from 'rxjs';
import { createListenLinkSource, type ListenLinkSource } from '../../drivers/listen/listen-link-source.js';
import { parseListenSpec } from '../../drivers/listen/listen-spec.js';
import type { SerialLink } from '../../drivers/serial-link.js';
import type { BoardConfig } from '../config/config-types.js';
import type { Logger } from '../log.js';
import { LINK_CONN_IDS, type BrokerConnector, type RunningSession, type SessionEvent } from '../session/session-types.js';
import type { BoardRunner } from './serial-board.js';
import { startSession } from './run-session.js';
import { createCutter } from '../session/lingering.js';
import { hostPort } from '../../drivers/listen/accepted-link.js';

export interface ListenBoardRunner extends BoardRunner {
  /** Where boards connect. */
  readonly address: { host: string; port: number };
}

/**
 * Boards that connect to the bridge over TCP (`listen://host:port`): each accepted connection
 * is one board link with its own session, ended when the connection goes.
 */
export async function runListenBoard(board: BoardConfig, connectBroker: BrokerConnector, logger: Logger): Promise<ListenBoardRunner> {
  const log = logger.child({ board: board.name });
  const source: ListenLinkSource = await createListenLinkSource(parseListenSpec(board.port));
  const events$ = new Subject<SessionEvent>();
  const sessions = new Set<RunningSession>();
  const sessions$ = new BehaviorSubject<ReadonlySet<RunningSession>>(sessions);
  const cutter = createCutter();
  const address = source.address();
  log.info({ listen: hostPort(address.host, address.port), link: board.link }, 'accepting board links');

  let links = 0;
  const serve = async (line: SerialLink): Promise<void> => {
    const name = `${board.name}@${line.description.split(' <- ')[1] ?? line.description}`;
    log.info({ line: line.description }, 'board link accepted');
    const session = startSession(board, name, line, connectBroker, logger, cutter, () => void line.close());
    // Every link numbers its connections from 0 (a raw link has only 0): the board's merged
    // streams give each link its own range, so its clients and metrics count each connection.
    const shifted = asLink(session, links++ % MAX_LINKS);
    sessions.add(shifted);
    sessions$.next(sessions);
    const sub = shifted.events$.subscribe((e) => events$.next(e));
    // Anyone may connect to a listening port: one that never speaks the link's first word is
    // not a board, and its session would otherwise stay open for good.
    const silent = session.events$
      .pipe(
        first((e) => e.type === 'link-up' || e.type === 'mqtt-connect'),
        timeout({ first: board.helloTimeoutMs }),
      )
      .subscribe({
        error: (error: unknown) => {
          if (!(error instanceof TimeoutError)) return; // the session ended first
          const word = board.link === 'framed' ? 'HELLO' : 'MQTT CONNECT';
          log.info({ line: line.description, helloTimeoutMs: board.helloTimeoutMs }, `board link closed: no ${word} within ${board.helloTimeoutMs} ms (helloTimeoutMs)`);
          void line.close();
        },
      });
    await firstValueFrom(line.state$.pipe(filter((s) => s.type === 'lost' || s.type === 'closed')));
    log.info({ line: line.description }, 'board link ended');
    silent.unsubscribe();
    sessions.delete(shifted);
    sessions$.next(sessions);
    // The board's TCP link went away without a word from the board: as its cut profile says.
    // Its last events (the cut of each connection) still reach the board's clients and metrics.
    await session.stop('the board link ended', board.cutProfile);
    sub.unsubscribe();
    await line.close();
  };
  const accepting: Subscription = source.links$.subscribe((line) => void serve(line));

  return {
    events$,
    packets$: sessions$.pipe(switchMap((set) => merge(...[...set].map((s) => s.packets$)))),
    captures$: sessions$.pipe(switchMap((set) => merge(...[...set].map((s) => s.captures$)))),
    address,
    // One clock per board; any of its framed links measures it.
    syncClock: (samples) => {
      const framed = [...sessions].find((s) => s.syncClock);
      return framed?.syncClock?.(samples) ?? Promise.reject(new Error(`board ${board.name}: clock sync needs a framed link that is up`));
    },
    cut: (profile) => sessions.forEach((s) => s.cut(profile)),
    // A listen board's line is a board's TCP connection: open while one is accepted.
    lineOpen$: sessions$.pipe(map((set) => set.size > 0), distinctUntilChanged()),
    async stop() {
      accepting.unsubscribe();
      await Promise.all([...sessions].map((s) => s.stop()));
      await source.close();
      cutter.releaseAll('the bridge is stopping');
      sessions$.complete();
      events$.complete();
    },
  };
}

/** Ranges reused after this many links: ids stay well inside a safe integer. */
const MAX_LINKS = 1 << 20;

/**
 * The session as the board's merged streams see link `link`: its connection ids moved up into
 * the link's range, its link-up and link-down tagged with the link.
 */
function asLink(session: RunningSession, link: number): RunningSession {
  const offset = LINK_CONN_IDS * link;
  const shift = <T>(value: T): T => (typeof value === 'object' && value !== null && 'connId' in value ? { ...value, connId: (value as { connId: number }).connId + offset } : value);
  const tag = (e: SessionEvent): SessionEvent => (e.type === 'link-up' || e.type === 'link-down' ? { ...e, link } : shift(e));
  return {
    ...session,
    events$: session.events$.pipe(map(tag)),
    packets$: session.packets$.pipe(map(shift)),
    captures$: session.captures$.pipe(map(shift)),
  };
}
