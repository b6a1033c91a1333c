import { describe, expect, it } from 'vitest';
import { parseNumberText, stepped, textFor } from './number-text';

describe('number fields hold what was typed', () => {
  it('reads decimals and scientific notation, empty as unset, anything else as not a number', () => {
    expect(parseNumberText(' 1e-10 ')).toBe(1e-10);
    expect(parseNumberText('2.5E3')).toBe(2500);
    expect(parseNumberText('-.5')).toBe(-0.5);
    expect(parseNumberText('')).toBeUndefined();
    for (const partial of ['1e-', '-', '1e', '0x10', 'Infinity', '1,5']) expect(parseNumberText(partial)).toBeNaN();
  });

  it('keeps the text while typing 1e-10 character by character, each value the parent gets written back', () => {
    let text = '';
    for (const ch of '1e-10') {
      text += ch;
      const value = parseNumberText(text);
      // The parent stores the value and hands it back; the field must not rewrite what is being typed.
      text = textFor(value, text);
    }
    expect(text).toBe('1e-10');
    expect(parseNumberText(text)).toBe(1e-10);
  });

  it('shows a value set from outside (a slider, a loaded config), and clears for an unset one', () => {
    expect(textFor(0.25, '1e-3')).toBe('0.25');
    expect(textFor(0.001, '1e-3')).toBe('1e-3');
    expect(textFor(undefined, '3')).toBe('');
    expect(textFor(null, '')).toBe('');
    expect(textFor(Number.NaN, '1e-')).toBe('1e-');
    expect(textFor(Number.NaN, '')).toBe('');
  });

  it('steps with the arrow keys within the bounds, without float dust', () => {
    expect(stepped('0.1', 1, { step: 0.2 })).toBe(0.3);
    expect(stepped('7', -1, { step: 1, min: 7 })).toBe(7);
    expect(stepped('', 1, { step: 1, min: 1 })).toBe(2);
    expect(stepped('1e-4', 1, { step: 1e-4 })).toBe(2e-4);
    expect(stepped('9', 1, { max: 9 })).toBe(9);
  });
});
