/**
 * The studio's keyboard: what a key press asks for. Single keys act only when no text field has the focus, so
 * typing "n" in a name never opens a form; Ctrl/Cmd+K and Esc act everywhere.
 */
export type Shortcut = 'palette' | 'help' | 'new-run' | 'search' | 'escape';

/** The shortcuts as the help lists them. */
export const shortcutList: readonly { keys: string; does: string }[] = [
  { keys: 'Ctrl K  /  ⌘ K', does: 'Command palette: go to a run, a sweep or a data set; new run; compare; clone' },
  { keys: '?', does: 'These shortcuts and help' },
  { keys: 'n', does: 'New run' },
  { keys: '/', does: 'Search runs (the sidebar)' },
  { keys: 'Esc', does: 'Close a popover, the palette or a dialog; cancel an edit' },
  { keys: 'Alt ←  /  Alt →', does: 'Back and Forward between views (the browser’s own)' },
];

export interface KeyPress {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
}

/**
 * What a key press asks for; `typing` when the focus is in a text field, a select or an editable element, `inForm`
 * when it is on any field of a form (a checkbox too): "n" there would throw a half-filled form away.
 */
export function shortcutOf(e: KeyPress, typing: boolean, inForm = typing): Shortcut | null {
  if ((e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === 'k') return 'palette';
  if (e.key === 'Escape') return 'escape';
  if (typing || e.ctrlKey || e.metaKey || e.altKey) return null;
  if (e.key === '?') return 'help';
  if (e.key === 'n') return inForm ? null : 'new-run';
  if (e.key === '/') return 'search';
  return null;
}

/** Whether an element takes typed text (where single-key shortcuts keep out of the way). */
export function takesText(el: Element | null): boolean {
  if (!el) return false;
  if (el instanceof HTMLTextAreaElement || el instanceof HTMLSelectElement) return true;
  if (el instanceof HTMLInputElement) return !['checkbox', 'radio', 'button', 'submit', 'range', 'reset'].includes(el.type);
  return el instanceof HTMLElement && el.isContentEditable;
}

/** Whether an element is a field of a form: one that takes text, a checkbox, a radio button or a slider. */
export function inFormField(el: Element | null): boolean {
  if (el instanceof HTMLInputElement) return !['button', 'submit', 'reset'].includes(el.type);
  return takesText(el);
}
