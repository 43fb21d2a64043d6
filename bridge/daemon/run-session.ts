import type { SerialLink } from '../../drivers/serial-link.js';
import type { BoardConfig } from '../config/config-types.js';
import type { Logger } from '../log.js';
import { runFramedSession } from '../session/framed-session.js';
import { runRawSession } from '../session/raw-session.js';
import type { BrokerConnector, RunningSession } from '../session/session-types.js';
import type { Cutter } from '../session/lingering.js';
import { createAzureConnectRewriter } from '../azure/azure-connect.js';

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
    settings: { maxPacketBytes: board.maxPacketBytes, queueBytes: board.queueBytes, stallTimeoutMs: board.stallTimeoutMs, cutProfile: board.cutProfile, captureSecrets: board.captureSecrets, tlsFromBoard: board.tls?.summary.fromBoard ?? false },
    connectBroker,
    logger,
    cutter,
    ...(board.azure && { rewriteConnect: createAzureConnectRewriter(board.azure) }),
  };
  return board.link === 'raw' ? runRawSession({ ...deps, closeLine }) : runFramedSession(deps);
}
