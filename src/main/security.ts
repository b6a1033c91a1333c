/**
 * Window and navigation rules of the Electron app, kept free of Electron imports so a unit test
 * can assert them (Electron security checklist: isolation, sandbox, no Node in the page, CSP, no navigation).
 */
import { pathToFileURL } from 'node:url';

export { contentSecurityPolicy, metaContentSecurityPolicy } from '../shared/content-security-policy';

export interface SecureWebPreferences {
  /** None for a remote studio's window: its page talks to its host over HTTP, not to this process. */
  preload?: string;
  contextIsolation: true;
  sandbox: true;
  nodeIntegration: false;
  nodeIntegrationInWorker: false;
  nodeIntegrationInSubFrames: false;
  webSecurity: true;
  allowRunningInsecureContent: false;
  webviewTag: false;
  spellcheck: false;
}

export function windowOptions(preload: string | undefined) {
  const webPreferences: SecureWebPreferences = {
    ...(preload !== undefined ? { preload } : {}),
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    spellcheck: false,
  };
  return {
    width: 1440,
    height: 920,
    minWidth: 960,
    minHeight: 640,
    title: 'Latent Studio',
    backgroundColor: '#15171a',
    show: false,
    webPreferences,
  };
}

/** The app's own page: the bundled renderer's index.html, or the dev server electron-vite started. */
export interface AppPages {
  indexFile: string;
  devServerUrl: string | undefined;
}

/**
 * The only pages the window may show, and the only frames that may call the studio: the bundled renderer itself (its
 * own file, at any view's address), or the dev server. Any other file is refused: an HTML file dropped on the window
 * would otherwise be shown with the preload's bridge and call the studio.
 */
export function isAppUrl(url: string, pages: AppPages): boolean {
  try {
    const u = new URL(url);
    if (pages.devServerUrl) return u.origin === new URL(pages.devServerUrl).origin;
    return u.protocol === 'file:' && u.pathname === pathToFileURL(pages.indexFile).pathname;
  } catch {
    return false;
  }
}

/** Every navigation away from the app and every window.open is refused. */
export function navigationAllowed(url: string, pages: AppPages): boolean {
  return isAppUrl(url, pages);
}

/** A remote studio's window may show its host's pages only (same origin as the URL it was opened on). */
export function remoteNavigationAllowed(url: string, remoteBase: string): boolean {
  try {
    return new URL(url).origin === new URL(remoteBase).origin;
  } catch {
    return false;
  }
}

export const windowOpenHandler = () => ({ action: 'deny' as const });
