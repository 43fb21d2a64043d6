import type { SerialLink } from '../../drivers/serial-link.js';
import type { BoardConfig } from '../config/config-types.js';
import type { Logger } from '../log.js';
import { runFramedSession } from '../session/framed-session.js';
import { runRawSession } from '../session/raw-session.js';
import type { BrokerConnector, RunningSession } from '../session/session-types.js';
import type { Cutter } from '../session/lingering.js';
import { createAzureConnectRewriter } from '../azure/azure-connect.js';
import { FAST_LINE_HOST_WINDOW, HOST_WINDOW } from '../../streams/link/defaults.js';
import { linkScheme } from '../../drivers/link-from-spec.js';

/** A pty or a TCP board link has no wire behind it; a tty, serial: or tcp:// (ser2net) has. */
export function hostWindowFor(port: string): number {
  const scheme = linkScheme(port);
  return scheme === 'pty' || scheme === 'listen' ? FAST_LINE_HOST_WINDOW : HOST_WINDOW;
}

/** A session of the board's kind (framed or raw) on an opened line. */
export function startSession(
  board: BoardConfig,
  name: string,
  line: SerialLink,
  connectBroker: BrokerConnector,
  logger: Logger,
  cutter: Cutter,
  closeLine?: () => void,
): RunningSession {
  const deps = {
    name,
    line,
    settings: { maxPacketBytes: board.maxPacketBytes, queueBytes: board.queueBytes, stallTimeoutMs: board.stallTimeoutMs, cutProfile: board.cutProfile, captureSecrets: board.captureSecrets, tlsFromBoard: board.tls?.summary.fromBoard ?? false, window: hostWindowFor(board.port) },
    connectBroker,
    logger,
    cutter,
    ...(board.azure && { rewriteConnect: createAzureConnectRewriter(board.azure) }),
  };
  return board.link === 'raw' ? runRawSession({ ...deps, closeLine }) : runFramedSession(deps);
}
