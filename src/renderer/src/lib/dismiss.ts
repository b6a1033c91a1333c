/**
 * A popover that closes as people expect: on Esc, and on a click outside it. For a <details> menu (`use:dismissable`)
 * or any element with an `onclose` (`use:dismissable={close}`).
 */
export function dismissable(node: HTMLElement, close?: () => void): { destroy(): void; update(next?: () => void): void } {
  let onclose = close;
  const isOpen = () => (node instanceof HTMLDetailsElement ? node.open : true);
  const shut = () => {
    if (node instanceof HTMLDetailsElement) node.open = false;
    onclose?.();
  };
  const onPointer = (e: PointerEvent) => {
    if (isOpen() && e.target instanceof Node && !node.contains(e.target)) shut();
  };
  const onKey = (e: KeyboardEvent) => {
    if (e.key !== 'Escape' || !isOpen()) return;
    // One Esc closes one thing: the page's own Esc (dialogs) does not also run.
    e.stopImmediatePropagation();
    shut();
    if (node instanceof HTMLDetailsElement) node.querySelector('summary')?.focus();
  };
  document.addEventListener('pointerdown', onPointer, true);
  node.addEventListener('keydown', onKey);
  return {
    update(next) {
      onclose = next;
    },
    destroy() {
      document.removeEventListener('pointerdown', onPointer, true);
      node.removeEventListener('keydown', onKey);
    },
  };
}
