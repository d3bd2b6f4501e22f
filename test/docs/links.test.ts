import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, test } from 'node:test';
import GithubSlugger from 'github-slugger';
import { PROJECT_ROOT } from '../helpers/project-root.js';

// README is the front door and docs/ the reference: a link that goes nowhere is a broken promise.
const pages = [
  'README.md',
  'test/README.md',
  'packages/client/README.md',
  ...readdirSync(join(PROJECT_ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

/** The anchors a Markdown file offers, as GitHub makes them from its headings. */
function anchorsOf(file: string): Set<string> {
  const slugger = new GithubSlugger();
  const text = readFileSync(join(PROJECT_ROOT, file), 'utf8').replace(/^```[\s\S]*?^```/gm, '');
  return new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map((m) => slugger.slug(m[1]!)));
}

/** Every relative link of a page (fenced code aside): [label](target) and ![alt](target). */
function linksOf(file: string): string[] {
  const text = readFileSync(join(PROJECT_ROOT, file), 'utf8').replace(/^```[\s\S]*?^```/gm, '');
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!).filter((url) => !/^[a-z]+:/.test(url));
}

describe('README and docs/ links', () => {
  test('README stays the front door: at most 300 lines', () => {
    assert.ok(readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8').split('\n').length <= 300);
  });

  for (const page of pages) {
    test(`every relative link and anchor of ${page} leads somewhere`, () => {
      for (const url of linksOf(page)) {
        const [path, anchor] = url.split('#') as [string, string | undefined];
        const target = path === '' ? page : relative(PROJECT_ROOT, join(PROJECT_ROOT, dirname(page), path));
        assert.ok(existsSync(join(PROJECT_ROOT, target)), `${page}: ${url} (no ${target})`);
        if (anchor !== undefined) {
          assert.ok(
            statSync(join(PROJECT_ROOT, target)).isFile() && anchorsOf(target).has(anchor),
            `${page}: ${url} (no #${anchor} in ${target})`,
          );
        }
      }
    });
  }
});
