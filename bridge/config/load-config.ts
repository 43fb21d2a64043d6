import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import YAML from 'yaml';
import { ConfigError, type ConfigIssue } from './config-error.js';
import type { BridgeConfig } from './config-types.js';
import { parseConfig } from './parse-config.js';

type Parser = (text: string) => unknown;

const PARSERS: Record<string, Parser[]> = {
  '.json': [parseJson],
  '.yaml': [parseYaml],
  '.yml': [parseYaml],
};
const UNKNOWN_EXTENSION: Parser[] = [parseJson, parseYaml];

/** Reads a bench config file: `.json`, `.yaml` or `.yml`; any other name is tried as JSON, then YAML. */
export async function loadConfig(path: string): Promise<BridgeConfig> {
  if (typeof path !== 'string' || path === '') throw new TypeError('loadConfig: "path" must be a non-empty string');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(path, [{ path: '', message: `cannot read the file: ${readProblem(error)}` }], { cause: error });
  }
  return parseConfig(parseConfigText(text, path), path);
}

/** The document in `text`, parsed as `path`'s extension says; a ConfigError (with line) if it is not one. */
export function parseConfigText(text: string, path: string): unknown {
  if (text.trim() === '') throw new ConfigError(path, [{ path: '', message: 'the file is empty' }]);
  const parsers = Object.hasOwn(PARSERS, extname(path).toLowerCase()) ? PARSERS[extname(path).toLowerCase()] : UNKNOWN_EXTENSION;
  let lastError: unknown;
  for (const parse of parsers) {
    try {
      return parse(text);
    } catch (error) {
      lastError = error;
    }
  }
  // With both tried, YAML (which reads JSON too) has the last word, and the more useful one.
  const issue: ConfigIssue =
    lastError instanceof SyntaxProblem
      ? { path: '', message: lastError.message, ...lastError.position }
      : { path: '', message: `cannot parse: ${(lastError as Error).message}` };
  throw new ConfigError(path, [issue], { cause: lastError });
}

class SyntaxProblem extends Error {
  constructor(
    message: string,
    readonly position: { line: number; column: number } | undefined,
  ) {
    super(message);
  }
}

function parseJson(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    const offset = /at position (\d+)/.exec(message);
    const words = message.replace(/ in JSON at position \d+.*$/s, '').replace(/, ".*" is not valid JSON$/s, '');
    throw new SyntaxProblem(`invalid JSON: ${words}`, offset ? lineAndColumn(text, Number(offset[1])) : undefined);
  }
  rejectDuplicateKeys(text);
  return value;
}

/**
 * JSON.parse keeps the last of two equal keys without a word; in a bench file that is a setting
 * silently lost, as YAML (uniqueKeys) already refuses. JSON is YAML, so YAML finds them.
 */
function rejectDuplicateKeys(text: string): void {
  const lineCounter = new YAML.LineCounter();
  const duplicate = YAML.parseDocument(text, { prettyErrors: false, lineCounter }).errors.find((e) => e.code === 'DUPLICATE_KEY');
  if (!duplicate) return;
  const { line, col } = lineCounter.linePos(duplicate.pos[0]);
  const key = /^"((?:[^"\\]|\\.)*)"/.exec(text.slice(duplicate.pos[0]))?.[1];
  throw new SyntaxProblem(`invalid JSON: ${key === undefined ? 'a key' : `the key "${key}"`} appears twice in one object (the first value would be lost)`, { line, column: col });
}

function parseYaml(text: string): unknown {
  const lineCounter = new YAML.LineCounter();
  // uniqueKeys (the default) makes a repeated key an error rather than a silent overwrite.
  const document = YAML.parseDocument(text, { prettyErrors: false, lineCounter });
  const [error] = document.errors;
  if (error) {
    const { line, col } = lineCounter.linePos(error.pos[0]);
    throw new SyntaxProblem(`invalid YAML: ${error.message}`, { line, column: col });
  }
  try {
    return document.toJS({ maxAliasCount: 100 });
  } catch (cause) {
    // Unresolved aliases and alias bombs only show up here, without a position.
    throw new SyntaxProblem(`invalid YAML: ${(cause as Error).message}`, undefined);
  }
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: before[before.length - 1].length + 1 };
}

const READ_PROBLEMS: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'it is a directory',
};

function readProblem(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code && Object.hasOwn(READ_PROBLEMS, code) ? `${READ_PROBLEMS[code]} (${code})` : (error as Error).message;
}
