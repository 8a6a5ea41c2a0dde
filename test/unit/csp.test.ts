// The built page carries a strict Content-Security-Policy (run after `npm run build`).
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/helper';

const page = `${ROOT}out/renderer/index.html`;

describe('the built renderer', () => {
  it('has a CSP meta tag: own files only, no inline script, no eval, no plugins', () => {
    expect(existsSync(page), 'run npm run build first').toBe(true);
    const html = readFileSync(page, 'utf8');
    const policy = /<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1] ?? '';
    const directives = Object.fromEntries(
      policy
        .split(';')
        .map((d) => d.trim().split(/\s+/))
        .map(([name, ...values]) => [name, values]),
    );
    expect(directives['default-src']).toEqual(["'self'"]);
    expect(directives['script-src']).toEqual(["'self'"]);
    // Inline styles only: the terminal (xterm.js) sizes its cells with style elements. Never inline script.
    expect(directives['style-src']).toEqual(["'self'", "'unsafe-inline'"]);
    expect(directives['object-src']).toEqual(["'none'"]);
    expect(directives['base-uri']).toEqual(["'none'"]);
    expect(directives['script-src']).not.toContain("'unsafe-inline'");
    expect(policy).not.toMatch(/unsafe-eval|https?:/);
    // And no inline script slipped into the page itself.
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
  });
});
