import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './usage-error.js';

/**
 * node:util's parseArgs, except that an option given twice is an error: parseArgs keeps the last
 * value silently, so `run --port A ... --port B` would run one board on B with no word said.
 */
export function parseOptions<T extends ParseArgsConfig>(given: T): ReturnType<typeof parseArgs<T>> {
  const config = { ...given, args: joinNegativeValues(given) };
  const { tokens } = parseArgs({ ...config, tokens: true });
  const seen = new Set<string>();
  for (const token of tokens ?? []) {
    if (token.kind !== 'option' || config.options?.[token.name]?.multiple) continue;
    if (seen.has(token.name)) throw new UsageError(`--${token.name} was given more than once; give it once`);
    seen.add(token.name);
  }
  return parseArgs(config) as ReturnType<typeof parseArgs<T>>;
}

/**
 * `--timeout -1` as `--timeout=-1`: parseArgs takes "-1" for an option and says the argument is
 * "ambiguous", where the option's own range check says what is wrong.
 */
function joinNegativeValues(config: ParseArgsConfig): string[] | undefined {
  const { args, options = {} } = config;
  if (!args) return args;
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const name = /^--([^=]+)$/.exec(args[i])?.[1];
    if (name !== undefined && options[name]?.type === 'string' && /^-\d/.test(args[i + 1] ?? '')) out.push(`${args[i]}=${args[++i]}`);
    else out.push(args[i]);
  }
  return out;
}
