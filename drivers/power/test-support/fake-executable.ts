import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A real executable (a POSIX shell script) that records each call's arguments, one JSON array
 * per line, then runs `body`: what a power driver asks of uhubctl or a relay tool, checked
 * without the hardware.
 */
export async function createFakeExecutable(name: string, body: string) {
  const dir = await mkdtemp(join(tmpdir(), `fake-${name}-`));
  const path = join(dir, name);
  const calls = join(dir, 'calls.jsonl');
  // printf with %s never interprets its arguments: the record is exactly what argv held.
  const record = `{ printf '['; sep=''; for a in "$@"; do printf '%s"%s"' "$sep" "$(printf '%s' "$a" | sed 's/\\\\/\\\\\\\\/g; s/"/\\\\"/g')"; sep=','; done; printf ']\\n'; } >> '${calls}'`;
  await writeFile(path, `#!/bin/sh\n${record}\nSTATE_DIR='${dir}'\n${body}\n`);
  await chmod(path, 0o755);
  return {
    path,
    dir,
    async calls(): Promise<string[][]> {
      const text = await readFile(calls, 'utf8').catch(() => '');
      return text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as string[]);
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
