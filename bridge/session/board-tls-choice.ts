import type { Logger } from '../log.js';
import { materialNames, type CollectedTls, type TlsMaterial } from '../../streams/link/tls-items.js';

/** What an OPEN's TLS settings come to: material to use, a refusal for OPEN_FAILED, or neither. */
export interface BoardTlsChoice {
  material?: TlsMaterial;
  refused?: string;
}

/**
 * Whether the TLS settings a board sent with its OPEN are used. The bench decides (its broker,
 * its credentials), so unless it allows them they are left out, and the log says so: a board
 * app whose certificates seem to be ignored is otherwise a long afternoon. Names only, never content.
 */
export function boardTlsToUse(collected: CollectedTls | undefined, allowed: boolean, log: Logger): BoardTlsChoice {
  if (collected === undefined) return {};
  const settings = materialNames(collected.material);
  if (!allowed) {
    log.warn({ settings }, "the board's OPEN carries TLS settings; not used, the bench's apply (set tls: { fromBoard: true } to use them)");
    return {};
  }
  if (collected.problems.length > 0) {
    const refused = `TLS settings from the board: ${collected.problems.join('; ')}`;
    log.warn({ settings, problems: collected.problems }, 'refusing the OPEN: its TLS settings cannot be used');
    return { refused };
  }
  log.info({ settings }, "the board's TLS settings replace the bench's for this connection");
  return { material: collected.material };
}
