// The theme: the user's choice (system, light or dark) applied to the page,
// and the colours as the page resolves them now.
import { watch, type Ref } from 'vue';
import { readSetting } from './settings';

export type ThemeChoice = 'system' | 'light' | 'dark';

export function loadTheme(): ThemeChoice {
  const saved = readSetting('theme');
  return saved === 'light' || saved === 'dark' ? saved : 'system';
}

/** Applies the choice to the page: color-scheme then picks each token's colour. */
export function followTheme(choice: Ref<ThemeChoice>): void {
  watch(
    choice,
    (value) => {
      if (value === 'system') delete document.documentElement.dataset.theme;
      else document.documentElement.dataset.theme = value;
    },
    { immediate: true },
  );
}

/**
 * Colour tokens resolved to rgb(): a token written as light-dark(…) reads back
 * as that text, and only a property using it resolves it.
 */
export function resolveColors<K extends string>(tokens: Record<K, string>): Record<K, string> {
  const probe = document.createElement('span');
  document.body.append(probe);
  try {
    const out = {} as Record<K, string>;
    for (const key of Object.keys(tokens) as K[]) {
      probe.style.color = `var(${tokens[key]})`;
      out[key] = getComputedStyle(probe).color;
    }
    return out;
  } finally {
    probe.remove();
  }
}
