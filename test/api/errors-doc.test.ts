import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { errorTableMarkdown } from '../../src/api/errors.js';
import { ERROR_CODES } from '../../src/core/errors.js';

const DOC = new URL('../../docs/errors.md', import.meta.url);

describe('docs/errors.md', () => {
  it('is the table generated from ERROR_CODES (UPDATE_DOCS=1 rewrites it)', () => {
    const expected = errorTableMarkdown();
    if (process.env.UPDATE_DOCS === '1') writeFileSync(DOC, expected);
    expect(readFileSync(DOC, 'utf8')).toBe(expected);
    for (const code of Object.keys(ERROR_CODES)) expect(expected).toContain(`\`${code}\``);
  });
});
