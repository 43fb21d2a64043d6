import type { BridgeConfig } from './config-types.js';
import { BOARD_NAME } from './config-schema.js';
import { validateConfig } from './parse-config.js';

export interface CliConfigOptions {
  port?: string;
  link?: string;
  broker?: string;
}

const CLI_OPTION_FOR: Record<string, string> = {
  'boards[0].port': '--port',
  'boards[0].link': '--link',
  'boards[0].name': '--port',
  broker: '--broker',
};

/**
 * `dl7450-bridge run --port ... [--link ...] [--broker ...]`: one board, named after its port,
 * as a BridgeConfig with the same checks as a file; errors name the option.
 */
export function configFromCli(options: CliConfigOptions): BridgeConfig {
  const { port, link, broker } = options ?? {};
  const board: Record<string, unknown> = { name: boardNameForPort(typeof port === 'string' ? port : ''), port };
  if (link !== undefined) board.link = link;
  const document: Record<string, unknown> = { boards: [board] };
  if (broker !== undefined) document.broker = broker;
  return validateConfig(document, 'command line', (path) => CLI_OPTION_FOR[path] ?? path);
}

/** `/dev/ttyACM0` -> `ttyACM0`, `tcp://10.0.0.5:4001` -> `10.0.0.5-4001`: a valid board name. */
export function boardNameForPort(port: string): string {
  const target = port
    .replace(/^[A-Za-z][A-Za-z0-9+.-]*:(?:\/\/)?/, '')
    .split('?')[0]
    // Port 0 is "any free port": the one picked is printed, and the name should not promise 0.
    .replace(/:0+$/, '')
    .replace(/[[\]]/g, '');
  const last = target.split(/[/\\]/).filter(Boolean).pop() ?? '';
  // No leading dash or dot: names end up in log lines, file names and command lines.
  const name = last
    .replace(/:/g, '-')
    .replace(/[^A-Za-z0-9_.-]/g, '_')
    .replace(/^[-_.]+|[-_.]+$/g, '')
    .slice(0, 64);
  return BOARD_NAME.test(name) ? name : 'board';
}
