import type { BrokerUrl } from '../broker/broker-url.js';
import type { BoardConfig } from '../config/config-types.js';
import type { Logger } from '../log.js';

/**
 * Said at every start, not once: `verify: false` lets anyone on the path pose as the broker,
 * and a bench left that way should keep saying so. TLS settings on a plain broker are
 * unused, which someone expecting encryption needs to hear too.
 */
export function warnAboutTls(board: BoardConfig, target: BrokerUrl, logger: Logger): void {
  if (!board.tls) return;
  if (board.tls.summary.fromBoard && board.link === 'raw') {
    logger.warn({ board: board.name }, `board ${board.name}: tls.fromBoard has no effect on a raw link: only a framed OPEN carries the board's TLS settings`);
  }
  if (!target.secure) {
    logger.warn({ board: board.name, broker: target.href }, `board ${board.name}: tls settings are unused: its broker (${target.href}) is not a TLS one`);
    return;
  }
  if (!board.tls.verify) {
    logger.warn(
      { board: board.name, broker: target.href, tls: board.tls.summary },
      `INSECURE: board ${board.name}: TLS verification is OFF (tls.verify: false): the broker's certificate and host name are not checked, anyone on the path can pose as ${target.href}`,
    );
  }
}
