import { writeFileSync, readFileSync, existsSync } from 'node:fs';
import { cpus, totalmem, release } from 'node:os';
import { benchFramedDecode, type DecodeResult } from './framed-decode.js';
import { crc32cBackend } from '../streams/framing/crc32c.js';

// npm run bench [-- --quick]: runs the benchmarks and rewrites the framing section of
// bench/RESULTS.md with the machine, the command and the date.

const quick = process.argv.includes('--quick');
const rounds = quick ? 3 : 15;
const workloads: [number, boolean, number][] = [
  [64, false, 65536],
  [64, true, 65536],
  [4096, false, 65536],
  [4096, true, 65536],
  [64, false, 4096],
  [4096, false, 4096],
];

const results: DecodeResult[] = [];
for (const [size, binary, chunk] of workloads) {
  const packets = Math.max(2000, Math.floor((quick ? 4 : 16) * 1024 * 1024 / size / (size > 1000 ? 4 : 1)));
  const r = benchFramedDecode(size, binary, chunk, Math.min(packets, 200_000), rounds);
  results.push(r);
  process.stderr.write(`${r.workload}, ${chunk} B reads: decode ${(r.decodeRatio * 100).toFixed(0)}%, link ${(r.linkRatio * 100).toFixed(0)}% of bare\n`);
}

const k = (n: number) => `${(n / 1000).toFixed(0)} k`;
const pct = (x: number) => `${(x * 100).toFixed(0)} %`;
const table = [
  '| workload | read size | bare mqtt-packet | decode + parse | with link endpoint | decode / bare | link / bare | overhead per frame (limit) |',
  '|---|---|---|---|---|---|---|---|',
  ...results.map(
    (r) =>
      `| ${r.workload} | ${r.chunkBytes / 1024} KiB | ${k(r.bare.pps)} pkt/s, ${r.bare.mbps.toFixed(0)} MB/s | ${k(r.decode.pps)} pkt/s, ${r.decode.mbps.toFixed(0)} MB/s | ${k(r.link.pps)} pkt/s, ${r.link.mbps.toFixed(0)} MB/s | ${pct(r.decodeRatio)} | ${pct(r.linkRatio)} | ${r.overheadPerFrame.toFixed(2)} B (${r.overheadLimit.toFixed(2)} B) |`,
  ),
].join('\n');

const section = `<!-- framed-decode:start -->
## Framed decode + parse throughput (issue: link layer)

- Date: ${new Date().toISOString().slice(0, 10)}
- Machine: ${cpus()[0]?.model ?? 'unknown CPU'} x ${cpus().length}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Linux ${release()}, Node ${process.version}; CRC-32C: ${crc32cBackend}
- Command: \`npm run bench\` (${rounds} alternating rounds per row, medians; ratios are medians of per-round ratios)

${table}

Targets: decode + parse at least 70 % of the bare parser; framing overhead under 1 % + 12 bytes per frame.
<!-- framed-decode:end -->`;

const path = new URL('./RESULTS.md', import.meta.url);
const previous = existsSync(path) ? readFileSync(path, 'utf8') : '# Benchmark results\n';
const next = previous.includes('<!-- framed-decode:start -->')
  ? previous.replace(/<!-- framed-decode:start -->[\s\S]*<!-- framed-decode:end -->/, section)
  : `${previous.trimEnd()}\n\n${section}\n`;
if (!quick) writeFileSync(path, next);
process.stdout.write(`${section}\n`);
