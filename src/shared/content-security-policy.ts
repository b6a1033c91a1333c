import { artifactScheme } from './artifact-url';

/** What both the header and the page's own <meta> say. */
const pagePolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  `img-src 'self' data: blob: ${artifactScheme}:`,
  `connect-src 'self' ${artifactScheme}:`,
  "object-src 'none'",
  "base-uri 'none'",
];

/**
 * The policy of the renderer's page in its own <meta> tag (electron.vite.config.ts writes it into index.html).
 * The Electron app loads the page from a file, and a file:// page gets no response header, so this is the policy the
 * app enforces there; the headless host sends the header as well. A meta cannot carry frame-ancestors.
 */
export const metaContentSecurityPolicy = pagePolicy.join('; ');

/** The page may load and talk only to its own origin (and the app's artifacts): no remote scripts, no eval, no plugins. */
export const contentSecurityPolicy = [...pagePolicy, "frame-ancestors 'none'"].join('; ');
