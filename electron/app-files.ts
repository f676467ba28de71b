import { readFile, realpath, stat } from 'node:fs/promises';
import { CONTENT_SECURITY_POLICY, isInside, resolveAppFile, responseHeaders } from './validate.js';

export interface AppFileResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer | string;
}

const plain = (status: number, text: string): AppFileResponse => ({
  status,
  headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Security-Policy': CONTENT_SECURITY_POLICY },
  body: text,
});

/**
 * The answer to one app:// request: a file of the built renderer, or an error. Only GET and HEAD, only
 * regular files, and only below `root` once symbolic links are followed, so a link inside the bundle
 * cannot serve a file from elsewhere either.
 */
export async function readAppFile(root: string, url: string, method = 'GET'): Promise<AppFileResponse> {
  if (method !== 'GET' && method !== 'HEAD') return plain(405, 'Method not allowed');
  const file = resolveAppFile(root, url);
  if (!file) return plain(404, 'Not found');
  try {
    const [realRoot, realFile] = await Promise.all([realpath(root), realpath(file)]);
    if (!isInside(realRoot, realFile) || !(await stat(realFile)).isFile()) return plain(404, 'Not found');
    return { status: 200, headers: responseHeaders(realFile), body: method === 'HEAD' ? '' : await readFile(realFile) };
  } catch {
    return plain(404, 'Not found');
  }
}
