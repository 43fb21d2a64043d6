import { parseOptions } from './parse-options.js';
import { logLevelOption } from './log-level-option.js';
import { DemoInterrupted, runDemo } from '../demo/run-demo.js';
import { INTERRUPTED_EXIT, interruptible } from './interrupt.js';
import { formatDemoReport } from '../demo/demo-report.js';
import { createLogger } from '../log.js';
import { parseIntegerOption, parseNumberOption } from './parse-number.js';

export const demoHelp = `dl7450-bridge demo [options]

Runs the whole bridge on this machine with nothing else installed: an embedded MQTT broker, a
virtual DL-7450 board attached to a pty the bridge owns, and the bridge between them. QoS 0/1/2
messages go both ways, then the board's line is cut and the broker must publish its will.
Prints a summary table; exit code 0 = every QoS 1/2 message arrived (QoS 2 exactly once) and
the will was published.

  --messages N      messages per direction and QoS, 1 to 1000 (default 50; the embedded broker
                    holds at most 1000 QoS 2 messages of a client in flight)
  --timeout S       give up after S seconds per step (default 20)
  --log-level L     bridge log level on stderr: fatal, error, warn, info, debug, trace (default error)
  --json            print the result as JSON instead of a table`;

export async function demoCommand(argv: string[]): Promise<number> {
  const { values } = parseOptions({
    args: argv,
    options: { messages: { type: 'string' }, timeout: { type: 'string' }, 'log-level': { type: 'string' }, json: { type: 'boolean' } },
    strict: true,
  });
  const messages = parseIntegerOption('messages', values.messages, 50, 1, 1000);
  const timeoutMs = parseNumberOption('timeout', values.timeout, 20, 1, 3600) * 1000;
  const logger = createLogger(logLevelOption(values['log-level'], 'error'));
  const step = (text: string) => process.stderr.isTTY && process.stderr.write(`demo: ${text}\n`);
  const interrupt = interruptible('stopping and cleaning up');
  let result: Awaited<ReturnType<typeof runDemo>>;
  try {
    result = await runDemo({ messages, timeoutMs, signal: interrupt.signal }, logger, step);
  } catch (error) {
    if (!(error instanceof DemoInterrupted)) throw error;
    process.stdout.write('INTERRUPTED: the demo was stopped before its result; nothing is left behind\n');
    return INTERRUPTED_EXIT;
  } finally {
    interrupt.dispose();
  }
  process.stdout.write(`${values.json ? JSON.stringify(result, null, 2) : formatDemoReport(result)}\n`);
  return result.passed ? 0 : 1;
}
