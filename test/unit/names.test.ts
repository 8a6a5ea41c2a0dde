// Names from the filesystem and the kernel, as data: decoded without loss, shown escaped, never expanded.
import { describe, expect, it } from 'vitest';
import { displayName, namespaceLabel } from '../../shared/model';
import { ifnameProblem, isPlainNetnsName, netnsNameProblem } from '../../shared/schemas';
import { decodeName, hasRawBytes } from '../../electron/helper/names';
import { splitJsonValues } from '../../electron/helper/parse';
import { promptFor } from '../../electron/helper/actions/terminal';

describe('decodeName', () => {
  it('keeps UTF-8 names as they are', () => {
    expect(decodeName(Buffer.from('netns1'))).toBe('netns1');
    expect(decodeName(Buffer.from('réseau 🌐'))).toBe('réseau 🌐');
    expect(hasRawBytes('réseau 🌐')).toBe(false);
  });

  it('carries bytes that are not UTF-8 as lone surrogates, shown as \\xHH', () => {
    const name = decodeName(Buffer.from([0x62, 0xff, 0xfe, 0xc3, 0xa9, 0xe2, 0x82]));
    expect(hasRawBytes(name)).toBe(true);
    expect(displayName(name)).toBe('b\\xff\\xfeé\\xe2\\x82');
    expect(decodeName(Buffer.from([0xff]))).not.toBe(decodeName(Buffer.from([0xfe])));
  });
});

describe('displayName', () => {
  it('escapes control characters and backslashes, and nothing else', () => {
    expect(displayName('two\nlines')).toBe('two\\nlines');
    expect(displayName('\x1b[31mred')).toBe('\\x1b[31mred');
    expect(displayName('a\\nb')).toBe('a\\\\nb');
    expect(displayName('$(touch x) "q" #')).toBe('$(touch x) "q" #');
    expect(namespaceLabel({ id: '1', name: 'a\tb', root: false })).toBe('a\\tb');
  });
});

describe('plain names', () => {
  it('are the names the app itself would create, never "all"', () => {
    for (const name of ['netns1', 'up', 'a', 'help', 'exec']) expect(isPlainNetnsName(name), name).toBe(true);
    for (const name of ['all', 'x y', 'zz sh -c "x" #', '$(x)', 'a\nb', '-n', '']) expect(isPlainNetnsName(name), name).toBe(false);
    expect(netnsNameProblem('all')).toMatch(/every namespace/);
    expect(ifnameProblem('all')).toMatch(/reserved/);
    expect(ifnameProblem('default')).toMatch(/reserved/);
    expect(ifnameProblem('up')).toBeNull();
  });
});

describe('the terminal prompt', () => {
  it("turns prompt expansion off in bash and doubles the name's backslashes", () => {
    expect(promptFor('$(touch x)', true)).toBe('[$(touch x)] \\w \\$ ');
    expect(promptFor('a\nb', true)).toBe('[a\\\\nb] \\w \\$ ');
  });

  it('keeps only plain characters for a shell that may expand its prompt', () => {
    expect(promptFor('$(touch x)', false)).toBe('[??touch?x?] $ ');
  });
});

describe('ip -j output with raw control characters in names', () => {
  it('is read, with the characters kept', () => {
    const text = '[{"nsid":0,"name":"two\nlines"},{"nsid":1,"name":"\x1b[31mred"}]\n[]\n';
    expect(splitJsonValues(text)).toEqual([
      [
        { nsid: 0, name: 'two\nlines' },
        { nsid: 1, name: '\x1b[31mred' },
      ],
      [],
    ]);
  });
});
