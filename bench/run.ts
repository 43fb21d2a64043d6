import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { framedDecodeSection } from './framed-decode-report.js';
import { bridgeLatencySection } from './bridge-latency/report.js';
import { cutWillSection } from './cut-will/report.js';
import { captureOverheadSection } from './capture-overhead/report.js';

// npm run bench [-- --quick] [-- --only framed-decode|bridge-latency|cut-will|capture-overhead]: runs the benchmarks and
// rewrites their sections of bench/RESULTS.md (machine, command, date). --quick prints only.

const quick = process.argv.includes('--quick');
const onlyAt = process.argv.indexOf('--only');
const wanted = (name: string) => onlyAt === -1 || process.argv[onlyAt + 1] === name;
const machine = `${cpus()[0]?.model ?? 'unknown CPU'} x ${cpus().length}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Linux ${release()}, Node ${process.version}`;
const progress = (t: string) => process.stderr.write(`${t}\n`);
const file = new URL('./RESULTS.md', import.meta.url);
let results = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmark results\n';

function section(name: string, text: string): void {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const block = `${start}\n${text}\n${end}`;
  const at = results.indexOf(start);
  const stop = results.indexOf(end);
  results = at !== -1 && stop > at ? results.slice(0, at) + block + results.slice(stop + end.length) : `${results.trimEnd()}\n\n${block}\n`;
  process.stdout.write(`${block}\n`);
}

if (wanted('framed-decode')) section('framed-decode', framedDecodeSection(quick, machine, progress));
if (wanted('bridge-latency')) section('bridge-latency', await bridgeLatencySection(quick, machine, progress));
if (wanted('cut-will')) section('cut-will', await cutWillSection(quick, machine, progress));
if (wanted('capture-overhead')) section('capture-overhead', await captureOverheadSection(quick, machine, progress));
if (!quick) writeFileSync(file, results);
