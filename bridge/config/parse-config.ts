import type { z } from 'zod';
import { BUILT_IN_BOARD_SETTINGS, BUILT_IN_BROKER, BUILT_IN_LOG_LEVEL } from './config-defaults.js';
import { ConfigError, type ConfigIssue } from './config-error.js';
import { configSchema, type RawConfig } from './config-schema.js';
import type { BoardConfig, BoardSettings, BridgeConfig } from './config-types.js';
import { BoardTls, boardTlsFor } from './board-tls.js';
import { azureIssues } from './azure-schema.js';
import { portIdentities } from '../../drivers/port-identity.js';

/** How a key path is shown; the CLI shows `--port` where a file shows `boards[0].port`. */
export type PathNamer = (path: string) => string;

/**
 * Validates a bench config document (already parsed from JSON or YAML) and resolves it: every
 * board gets every setting, explicit > `defaults:` > built in. `source` names it in errors.
 */
export function parseConfig(value: unknown, source: string): BridgeConfig {
  return validateConfig(value, source, (path) => path);
}

/** parseConfig, with key paths shown as `namePath` says in errors. */
export function validateConfig(value: unknown, source: string, namePath: PathNamer): BridgeConfig {
  if (typeof source !== 'string' || source === '') throw new TypeError('parseConfig: "source" must name where the config came from');
  const result = configSchema.safeParse(value);
  const fail = (issues: ConfigIssue[]): never => {
    throw new ConfigError(source, issues.map((issue) => ({ ...issue, path: namePath(issue.path) })));
  };
  if (!result.success) fail(result.error.issues.flatMap(toConfigIssues));
  const raw = result.data as RawConfig;
  const tls = raw.boards.map((board, index) => boardTlsFor(raw.defaults?.tls, board.tls, `boards[${index}]`));
  const clashes = [...findClashes(raw), ...tls.flatMap((t) => (Array.isArray(t) ? t : []))];
  if (clashes.length > 0) fail(clashes);
  return resolve(raw, source, tls.map((t) => (t instanceof BoardTls ? t : undefined)));
}

function resolve(raw: RawConfig, source: string, tls: (BoardTls | undefined)[]): BridgeConfig {
  const broker = raw.broker ?? BUILT_IN_BROKER;
  const defaults: BoardSettings = { ...BUILT_IN_BOARD_SETTINGS, ...raw.defaults };
  const boards = raw.boards.map(
    (board, index): BoardConfig => ({
      name: board.name,
      port: board.port,
      broker: board.broker ?? broker,
      link: board.link ?? defaults.link,
      baudRate: board.baudRate ?? defaults.baudRate,
      maxPacketBytes: board.maxPacketBytes ?? defaults.maxPacketBytes,
      queueBytes: board.queueBytes ?? defaults.queueBytes,
      stallTimeoutMs: board.stallTimeoutMs ?? defaults.stallTimeoutMs,
      connectTimeoutMs: board.connectTimeoutMs ?? defaults.connectTimeoutMs,
      helloTimeoutMs: board.helloTimeoutMs ?? defaults.helloTimeoutMs,
      cutProfile: board.cutProfile ?? defaults.cutProfile,
      captureSecrets: board.captureSecrets ?? defaults.captureSecrets,
      power: board.power ?? { driver: 'none' },
      ...(board.azure && { azure: board.azure }),
      ...(tls[index] && { tls: tls[index] }),
    }),
  );
  return { source, broker, log: { level: raw.log?.level ?? BUILT_IN_LOG_LEVEL }, ...(raw.metrics !== undefined && { metrics: raw.metrics }), boards };
}

/** Two boards cannot share a name (logs, captures) nor a port (one line, one board). */
function findClashes(raw: RawConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const names = new Map<string, number>();
  const ports = new Map<string, number>();
  raw.boards.forEach((board, index) => {
    const sameName = names.get(board.name);
    if (sameName === undefined) names.set(board.name, index);
    else issues.push({ path: `boards[${index}].name`, message: `duplicate board name "${board.name}", also boards[${sameName}].name` });
    const lines = portIdentities(board.port);
    const samePort = lines.map((line) => ports.get(line)).find((other) => other !== undefined);
    if (samePort === undefined) {
      for (const line of lines) ports.set(line, index);
    } else issues.push({ path: `boards[${index}].port`, message: `"${board.port}" is already the port of boards[${samePort}] (${raw.boards[samePort].name})` });
  });
  issues.push(...azureIssues(raw.boards.map((b) => ({ broker: b.broker ?? raw.broker ?? BUILT_IN_BROKER, azure: b.azure }))));
  return issues;
}

function toConfigIssues(issue: z.core.$ZodIssue): ConfigIssue[] {
  const path = formatPath(issue.path);
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({ path: formatPath([...issue.path, key]), message: 'unknown key' }));
  }
  return [{ path, message: issue.message }];
}

/** ['boards', 1, 'baudRate'] -> `boards[1].baudRate` */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((text, key) => {
    if (typeof key === 'number') return `${text}[${key}]`;
    const name = String(key);
    return text === '' ? name : `${text}.${name}`;
  }, '');
}
