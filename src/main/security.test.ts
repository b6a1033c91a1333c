import { describe, expect, it } from 'vitest';
import { artifactScheme } from '../shared/artifact-url';
import {
  contentSecurityPolicy,
  metaContentSecurityPolicy,
  navigationAllowed,
  remoteNavigationAllowed,
  windowOpenHandler,
  windowOptions,
} from './security';

describe('Electron window security', () => {
  const { webPreferences } = windowOptions('/app/out/preload/index.cjs');

  it('isolates the page from Node and sandboxes it', () => {
    expect(webPreferences.contextIsolation).toBe(true);
    expect(webPreferences.sandbox).toBe(true);
    expect(webPreferences.nodeIntegration).toBe(false);
    expect(webPreferences.nodeIntegrationInWorker).toBe(false);
    expect(webPreferences.nodeIntegrationInSubFrames).toBe(false);
    expect(webPreferences.webSecurity).toBe(true);
    expect(webPreferences.webviewTag).toBe(false);
    expect(webPreferences.allowRunningInsecureContent).toBe(false);
    expect(webPreferences.preload).toBe('/app/out/preload/index.cjs');
  });

  it('sets a restrictive content security policy', () => {
    expect(contentSecurityPolicy).toContain("default-src 'self'");
    expect(contentSecurityPolicy).toContain("script-src 'self'");
    expect(contentSecurityPolicy).toContain("object-src 'none'");
    expect(contentSecurityPolicy).not.toMatch(/script-src[^;]*unsafe-(inline|eval)/);
  });

  it("gives the page's own <meta> policy the artifacts' scheme (a file:// page gets no header), without what a meta ignores", () => {
    expect(metaContentSecurityPolicy).toMatch(new RegExp(`img-src [^;]*${artifactScheme}:`));
    expect(metaContentSecurityPolicy).toMatch(new RegExp(`connect-src [^;]*${artifactScheme}:`));
    expect(metaContentSecurityPolicy).not.toContain('frame-ancestors');
    expect(contentSecurityPolicy.startsWith(metaContentSecurityPolicy)).toBe(true);
  });

  it('blocks navigation away from the app and every new window', () => {
    const app = { indexFile: '/app/out/renderer/index.html', devServerUrl: undefined };
    expect(navigationAllowed('file:///app/out/renderer/index.html', app)).toBe(true);
    expect(navigationAllowed('file:///app/out/renderer/index.html#/runs/3', app)).toBe(true);
    // Another file (an HTML file dropped on the window) is not the app, and would get the bridge.
    expect(navigationAllowed('file:///home/me/Downloads/page.html', app)).toBe(false);
    expect(navigationAllowed('file:///app/out/renderer/other.html', app)).toBe(false);
    expect(navigationAllowed('https://example.com/', app)).toBe(false);
    const dev = { indexFile: '/app/out/renderer/index.html', devServerUrl: 'http://localhost:5173' };
    expect(navigationAllowed('http://localhost:5173/', dev)).toBe(true);
    expect(navigationAllowed('http://localhost:9999/', dev)).toBe(false);
    expect(navigationAllowed('file:///app/out/renderer/index.html', dev)).toBe(false);
    expect(navigationAllowed('not a url', app)).toBe(false);
    expect(windowOpenHandler()).toEqual({ action: 'deny' });
  });

  it('gives a remote studio window no preload and keeps it on its host', () => {
    const remote = windowOptions(undefined).webPreferences;
    expect('preload' in remote).toBe(false);
    expect(remote.sandbox && remote.contextIsolation && !remote.nodeIntegration).toBe(true);
    expect(remoteNavigationAllowed('http://127.0.0.1:8765/runs', 'http://127.0.0.1:8765')).toBe(true);
    expect(remoteNavigationAllowed('http://127.0.0.1:8766/', 'http://127.0.0.1:8765')).toBe(false);
    expect(remoteNavigationAllowed('file:///app/out/renderer/index.html', 'http://127.0.0.1:8765')).toBe(false);
    expect(remoteNavigationAllowed('not a url', 'http://127.0.0.1:8765')).toBe(false);
  });
});
