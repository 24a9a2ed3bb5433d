import { cpus, arch, platform, totalmem } from 'node:os';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { readReliabilityResults, renderReliability } from './reliability-report';

/**
 * Writes docs/RELIABILITY.md from test-results/reliability/*.json, the results the
 * reliability cases of the last test run left there. `npm test` runs it after the suite
 * (posttest); `npm run reliability` runs it on its own. Run from dist/scripts after a build.
 */
function main(): void {
  const root = resolve(__dirname, '../..');
  const results = readReliabilityResults(resolve(root, 'test-results/reliability'));
  const cpu = cpus();
  const machine = `${cpu.length} CPUs (${cpu[0]?.model.trim() ?? 'unknown'}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${platform()} ${arch()}, Node ${process.version}`;
  const out = resolve(root, 'docs/RELIABILITY.md');
  writeFileSync(out, renderReliability(results, { date: new Date().toISOString(), machine }));
  const failed = results.filter((r) => !r.passed).length;
  process.stdout.write(`wrote ${out}: ${results.length} cases, ${failed} failed\n`);
}

main();
