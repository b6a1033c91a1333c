import type { Page } from '@playwright/test';

/**
 * Waits for a view to finish drawing before a screenshot: until its DOM has not changed for `quietMs` and every
 * image has loaded (charts draw as their data lands, which changes the DOM around them), or `atMostMs` at most for
 * a view that never stops changing (a clock, a live run).
 */
export async function settled(page: Page, quietMs = 300, atMostMs = 1500): Promise<void> {
  await page.evaluate(
    ([quiet, atMost]) =>
      new Promise<void>((resolve) => {
        let timer: ReturnType<typeof setTimeout> | undefined;
        const finish = () => {
          clearTimeout(timer);
          clearTimeout(cap);
          observer.disconnect();
          resolve();
        };
        const cap = setTimeout(finish, atMost);
        const check = () => (Array.from(document.images).every((i) => i.complete) ? finish() : arm());
        const arm = () => {
          clearTimeout(timer);
          timer = setTimeout(check, quiet);
        };
        const observer = new MutationObserver(arm);
        observer.observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
        arm();
      }),
    [quietMs, atMostMs] as const,
  );
}
