/**
 * The README's feature map matches the tree: every file it names exists, and every source file of
 * functions/, infra/ and local/ is named under some capability, so a newcomer can find any file from
 * the map and the map never points at a file that moved.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const map = readme.split('## Feature map')[1]?.split('\n## ')[0] ?? '';

/** `functions/core/{a,b}.ts` → the two paths; a path without braces as it is. */
function expand(pattern: string): string[] {
  const braces = /^(.*)\{([^}]+)\}(.*)$/.exec(pattern);
  if (!braces) return [pattern];
  const [, head, alternatives, tail] = braces as unknown as [string, string, string, string];
  return alternatives.split(',').flatMap((name) => expand(`${head}${name}${tail}`));
}

const named = [...map.matchAll(/`((?:functions|infra|local)\/[^`]+\.ts)`/g)].flatMap((match) =>
  expand(match[1]!),
);

describe('README feature map', () => {
  it('names files, and each one exists', () => {
    expect(named.length).toBeGreaterThan(50);
    expect(named.filter((path) => !existsSync(`${ROOT}/${path}`))).toEqual([]);
  });

  it('names every source file of functions/, infra/ and local/', () => {
    const tracked = execFileSync('git', ['ls-files', 'functions', 'infra', 'local'], {
      cwd: ROOT,
      encoding: 'utf8',
    })
      .split('\n')
      .filter((path) => path.endsWith('.ts'));
    // Files added but not yet committed count too: the map must name them before they land.
    const untracked = execFileSync(
      'git',
      ['ls-files', '--others', '--exclude-standard', 'functions', 'infra', 'local'],
      {
        cwd: ROOT,
        encoding: 'utf8',
      },
    )
      .split('\n')
      .filter((path) => path.endsWith('.ts'));
    const missing = [...tracked, ...untracked].filter(
      (path) => existsSync(`${ROOT}/${path}`) && !named.includes(path),
    );
    expect(missing).toEqual([]);
  });
});
