/**
 * A form's keyboard behaviour, as any desktop form has it: Enter in a one-line field submits, and a refused submit
 * puts the focus on the field to fix. (The DOM's part of the new-run and sweep forms; their views wire it.)
 */
import { tick } from 'svelte';

/** After a refused submit: the first field marked invalid takes the focus (else the list of problems), in view. */
export async function focusFirstProblem(form: HTMLElement | undefined): Promise<void> {
  await tick();
  const target =
    form?.querySelector<HTMLElement>('[aria-invalid="true"]') ??
    form?.querySelector<HTMLElement>('[data-testid="form-errors"], [data-testid="submit-error"], [data-testid="sweep-issues"]');
  target?.focus();
  target?.scrollIntoView({ block: 'center' });
}

/**
 * Enter in a one-line field of `form` submits (not in a select, a checkbox or a button). A field that keeps its
 * value on `change` (a list of numbers) is told first, so that what was just typed is what is submitted.
 */
export function enterSubmits(form: HTMLElement | undefined, submit: () => Promise<void>): (e: KeyboardEvent) => void {
  return (e) => {
    const t = e.target;
    if (e.key !== 'Enter' || e.isComposing || !(t instanceof HTMLInputElement) || !form?.contains(t)) return;
    if (['checkbox', 'radio', 'file', 'range', 'button'].includes(t.type)) return;
    e.preventDefault();
    t.dispatchEvent(new Event('change', { bubbles: true }));
    void tick().then(submit);
  };
}
