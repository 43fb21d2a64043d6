import { parseOptions } from './parse-options.js';
import { runLinkSelftest } from '../selftest/link-selftest.js';
import { formatSelftestReport } from '../selftest/selftest-report.js';
import { DEFAULT_SELFTEST, type SelftestOptions } from '../selftest/selftest-options.js';
import { createProgress } from './progress.js';
import { parseIntegerOption, parseNumberOption } from './parse-number.js';
import { INTERRUPTED_EXIT, interruptible } from './interrupt.js';

export const selftestHelp = `dl7450-bridge selftest [options]

Pushes MQTT packets through the link protocol over a real pseudo-terminal owned by the bridge,
with garbage, truncated frames, corrupted bytes and boot text injected on the board's line,
and prints what was recovered. No board and no broker needed. Exit code 0 = every packet
arrived exactly once, in order, and every intact frame was recovered. Ctrl-C stops the board
early; the line is still drained and checked, and the report covers what was delivered (exit
130).

  --packets N       packets to send (default ${DEFAULT_SELFTEST.packets})
  --seed S          fault seed: the same seed draws the same fault sequence (default ${DEFAULT_SELFTEST.seed})
  --garbage P       probability of line noise before a frame (default ${DEFAULT_SELFTEST.faults.garbage})
  --truncate P      probability of a frame cut short (default ${DEFAULT_SELFTEST.faults.truncate})
  --corrupt P       probability of a corrupted byte in a frame (default ${DEFAULT_SELFTEST.faults.corrupt})
  --drop P          probability of a frame lost (default ${DEFAULT_SELFTEST.faults.drop})
  --duplicate P     probability of a frame sent twice (default ${DEFAULT_SELFTEST.faults.duplicate})
  --text P          probability of a boot-text line before a frame (default ${DEFAULT_SELFTEST.faults.text})
  --timeout S       give up after S seconds (default ${DEFAULT_SELFTEST.timeoutMs / 1000})
  --json            print the result as JSON instead of a table`;

export async function selftestCommand(argv: string[]): Promise<number> {
  const { values } = parseOptions({
    args: argv,
    options: {
      packets: { type: 'string' },
      seed: { type: 'string' },
      garbage: { type: 'string' },
      truncate: { type: 'string' },
      corrupt: { type: 'string' },
      drop: { type: 'string' },
      duplicate: { type: 'string' },
      text: { type: 'string' },
      timeout: { type: 'string' },
      json: { type: 'boolean' },
    },
    strict: true,
  });
  const d = DEFAULT_SELFTEST;
  const rate = (name: keyof SelftestOptions['faults']) => parseNumberOption(name, values[name], d.faults[name], 0, 1);
  const options: SelftestOptions = {
    packets: parseIntegerOption('packets', values.packets, d.packets, 1, 10_000_000),
    seed: parseIntegerOption('seed', values.seed, d.seed, 0, 2 ** 32 - 1),
    timeoutMs: parseNumberOption('timeout', values.timeout, d.timeoutMs / 1000, 1, 86_400) * 1000,
    faults: { garbage: rate('garbage'), truncate: rate('truncate'), corrupt: rate('corrupt'), drop: rate('drop'), duplicate: rate('duplicate'), text: rate('text') },
  };
  const progress = createProgress(options.packets, 'self-test');
  const interrupt = interruptible('stopping the board; the line is drained and checked as usual');
  const result = await runLinkSelftest(options, (n) => progress.update(n), interrupt.signal);
  interrupt.dispose();
  progress.finish();
  process.stdout.write(`${values.json ? JSON.stringify(result, null, 2) : formatSelftestReport(result, options)}\n`);
  if (result.interrupted) return INTERRUPTED_EXIT;
  return result.passed ? 0 : 1;
}
