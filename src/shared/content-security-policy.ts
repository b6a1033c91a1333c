/** The page may load and talk only to its own origin (and the app's artifacts): no remote scripts, no eval, no plugins. */
export const contentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob: latent-artifact:",
  "connect-src 'self' latent-artifact:",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');
