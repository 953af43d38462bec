// docs/benchmarks.md holds one section per benchmark between markers, so each `npm run bench:*`
// rewrites only its own figures.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

export async function writeBenchSection(repoRoot: string, id: string, markdown: string): Promise<string> {
  const file = path.join(repoRoot, 'docs', 'benchmarks.md');
  await mkdir(path.dirname(file), { recursive: true });
  let text = await readFile(file, 'utf8').catch(() => '# Benchmarks\n\nFigures written by `npm run bench:*`. The machines are shared and noisy: every figure is a median of several runs, and comparisons are ratios measured side by side in one run.\n');
  const begin = `<!-- bench:${id}:begin -->`;
  const end = `<!-- bench:${id}:end -->`;
  const block = `${begin}\n${markdown.trim()}\n${end}`;
  const re = new RegExp(`${begin}[\\s\\S]*?${end}`);
  text = re.test(text) ? text.replace(re, block) : `${text.trimEnd()}\n\n${block}\n`;
  await writeFile(file, text);
  return file;
}

export function findRepoRoot(from: string): string {
  let dir = from;
  for (let i = 0; i < 6; i++) {
    if (path.basename(dir) === 'dist') return path.dirname(dir);
    dir = path.dirname(dir);
  }
  return process.cwd();
}
