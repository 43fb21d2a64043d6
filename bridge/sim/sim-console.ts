import type { Dl7450Event } from '../../drivers/boards/dl7450/dl7450-board.js';
import type { LogLevel } from '../config/config-types.js';

/** One line of what a simulated board shows: its app's console, its power, its link. */
export interface SimLine {
  level: LogLevel;
  text: string;
}

const RANK: Record<LogLevel, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 };

/** Whether a line at `level` is shown when the sim runs at `threshold` (pino's order). */
export function shown(level: LogLevel, threshold: LogLevel): boolean {
  return RANK[level] >= RANK[threshold];
}

const connection = (connId: number | undefined): string => (connId === undefined ? 'connection' : `connection ${connId}`);
const detail = (text: string): string => (text ? `: ${text}` : '');

/**
 * A board event as a human-readable line, or undefined for events not worth a line. The app's
 * console comes as `log` events from the board: printed at info, prefixed so it stands apart
 * from what the simulator itself says.
 */
export function describeSimEvent(event: Dl7450Event): SimLine | undefined {
  if (event.type === 'power') {
    const cut = event.droppedBytes ? `, ${event.droppedBytes} unsent bytes cut off the line` : '';
    const text = event.state === 'off' ? `power off (boot ${event.boot} ended${cut})` : event.state === 'booting' ? 'power on: booting' : `power on: booted (boot ${event.boot})`;
    return { level: 'info', text };
  }
  if (event.type === 'app-ended') {
    if (event.error === undefined) return { level: 'info', text: `app ended (boot ${event.boot})` };
    return { level: 'error', text: `app runtime failed (boot ${event.boot}): ${(event.error as Error)?.message ?? String(event.error)}` };
  }
  const e = event.event;
  switch (e.type) {
    case 'log':
      return e.from === 'board' ? { level: 'info', text: `app> ${e.text}` } : { level: 'debug', text: `host log: ${e.text}` };
    case 'link-up':
      return { level: 'info', text: `link up (${e.cause}): host ${e.host.id} ${e.host.firmware}` };
    case 'link-down':
      return { level: 'warn', text: `link down (${e.cause})${detail(e.detail)}` };
    case 'link-error':
      return { level: 'debug', text: `link error: ${e.detail}` };
    case 'connection-opening':
      return { level: 'debug', text: `${connection(e.connId)} opening ${e.url}` };
    case 'connection-opened':
      return { level: 'info', text: `${connection(e.connId)} open to ${e.url}` };
    case 'connection-failed':
      return { level: 'warn', text: `${connection(e.connId)} to ${e.url} failed: ${e.reasonName}${detail(e.text)}` };
    case 'connection-closed':
      // Closed by the board stopping: the power line above says it, and nobody could see this close.
      return { level: e.by === 'stopped' ? 'debug' : 'info', text: `${connection(e.connId)} closed by ${e.by}: ${e.reasonName}${detail(e.text)}` };
    case 'console':
      return { level: 'debug', text: `line text: ${e.text}` };
    case 'stopped':
      return undefined; // the power event says it
  }
}
