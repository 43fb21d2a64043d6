import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './usage-error.js';

/**
 * node:util's parseArgs, except that an option given twice is an error: parseArgs keeps the last
 * value silently, so `run --port A ... --port B` would run one board on B with no word said.
 */
export function parseOptions<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  const { tokens } = parseArgs({ ...config, tokens: true });
  const seen = new Set<string>();
  for (const token of tokens ?? []) {
    if (token.kind !== 'option' || config.options?.[token.name]?.multiple) continue;
    if (seen.has(token.name)) throw new UsageError(`--${token.name} was given more than once; give it once`);
    seen.add(token.name);
  }
  return parseArgs(config);
}
