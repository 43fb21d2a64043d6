// The hil-tests/dl7450 suites against a board in another process, exactly as against a physical
// DL-7450 (DL7450_PORT): `dl7450-bridge sim` runs echo_app.py behind a pty, and the suites
// attach the bridge to that pty. Proves the second target of "one suite, two targets" in CI:
// the target-neutral tests pass, and every other test is skipped with its reason in its name.
//
//   npx tsx hil-tests/run-against-sim.ts [vitest filters...]
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCli, takeLine } from './sim/cli-process.js';

interface JsonResults {
  testResults: { name: string; assertionResults: { fullName: string; status: string }[] }[];
}

const root = fileURLToPath(new URL('..', import.meta.url));
const SKIP_MARK = '[skipped on DL-7450 at ';

function runVitest(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs');
  const child = spawn(process.execPath, [vitest, 'run', ...args], { cwd: root, env, stdio: ['ignore', 'inherit', 'inherit'] });
  return new Promise((resolve) => child.once('exit', (code) => resolve(code ?? 1)));
}

async function main(): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'dl7450-two-targets-'));
  const tty = join(dir, 'dl7450');
  const results = join(dir, 'results.json');
  const sim = startCli(['sim', '--app', join(root, 'hil-tests/apps/echo_app.py'), '--tty', tty, '--boot-delay', '0', '--log-level', 'warn']);
  try {
    await takeLine(sim, /attach with:/);
    console.log(`two targets: echo_app.py on a virtual board in process ${sim.pid}, its line at ${tty}`);
    const filters = process.argv.slice(2);
    const code = await runVitest(
      [...(filters.length ? filters : ['hil-tests/dl7450', 'hil-tests/link.hil.test.ts']), '--no-file-parallelism', '--reporter=default', '--reporter=json', `--outputFile.json=${results}`],
      { ...process.env, DL7450_PORT: tty },
    );
    const report = JSON.parse(await readFile(results, 'utf8')) as JsonResults;
    const tests = report.testResults.flatMap((f) => f.assertionResults);
    const count = (status: string) => tests.filter((t) => t.status === status).length;
    const unexplained = tests.filter((t) => t.status !== 'passed' && t.status !== 'failed' && !t.fullName.includes(SKIP_MARK));
    console.log(`two targets: ${count('passed')} passed, ${count('skipped') + count('pending')} skipped with a reason, ${count('failed')} failed`);
    for (const t of unexplained) console.error(`two targets: skipped without a reason: ${t.fullName}`);
    if (code !== 0) return code;
    if (count('passed') === 0) return fail('no test ran against the board in the other process');
    if (unexplained.length) return fail('every skipped test must say why');
    return 0;
  } catch (error) {
    return fail(`${(error as Error).message}\n${sim.text()}`);
  } finally {
    sim.signal('SIGTERM');
    await Promise.race([sim.exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
    await sim.kill();
    await rm(dir, { recursive: true, force: true });
  }
}

function fail(why: string): number {
  console.error(`two targets: FAILED: ${why}`);
  return 1;
}

process.exitCode = await main();
