/**
 * The Content-Security-Policy of the app, in both shells: Electron sends it on every app:// response,
 * browser mode on every HTTP response (adding its WebSocket to connect-src). Scripts come only from the
 * app itself; inline styles stay allowed because CodeMirror and Chart.js set element styles at run time.
 */
export function contentSecurityPolicy(extraConnectSources: readonly string[] = []): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src ${["'self'", ...extraConnectSources].join(' ')}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
