import type { EngineEvent, RequestMessage, ResponseMessage } from '../../../engine/shared/contract';
import type { Client } from './client';
import type { ExportSource, FileAccess, Transport } from './transport';
import { API_ROUTES, REQUEST_HEADER } from '../../../engine/shared/routes';

/** Browser mode's header on every API request: a cross-site form cannot send it. */

async function post(path: string, body: unknown): Promise<unknown> {
  const response = await fetch(path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', [REQUEST_HEADER]: '1' },
    body: JSON.stringify(body),
    credentials: 'same-origin',
  });
  const payload = (await response.json().catch(() => ({}))) as { error?: string };
  if (!response.ok) {
    throw new Error(
      response.status === 401
        ? 'Not signed in to this Recount server: open the URL that `recount serve` printed.'
        : (payload.error ?? response.statusText),
    );
  }
  return payload;
}

function upload(file: File, onProgress: (sent: number) => void, signal?: AbortSignal): Promise<string> {
  // XMLHttpRequest, not fetch: fetch still reports no upload progress, and a large file needs a bar.
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open('POST', `${API_ROUTES.upload}?name=${encodeURIComponent(file.name)}`);
    request.setRequestHeader(REQUEST_HEADER, '1');
    request.upload.onprogress = (e) => onProgress(e.loaded);
    request.onload = () => {
      const body = JSON.parse(request.responseText || '{}') as { path?: string; error?: string };
      if (request.status === 200 && body.path) resolve(body.path);
      else reject(new Error(`${file.name}: ${body.error ?? request.statusText}`));
    };
    request.onerror = () => reject(new Error(`${file.name}: the upload failed`));
    request.onabort = () => reject(Object.assign(new Error('Cancelled'), { code: 'cancelled' }));
    signal?.addEventListener('abort', () => request.abort(), { once: true });
    request.send(file);
  });
}

class BrowserFiles implements FileAccess {
  constructor(private readonly client: () => Client) {}

  chooseImportFiles(): Promise<string[]> {
    // A page cannot name files on disk: the browser's picker hands over contents, which are uploaded.
    return new Promise((resolve) => {
      const input = document.createElement('input');
      input.type = 'file';
      input.multiple = true;
      input.accept = '.ndjson,.jsonl,.json,.csv,.tsv,.parquet,.gz';
      input.onchange = () => resolve(input.files ? this.dropped([...input.files]) : []);
      input.oncancel = () => resolve([]);
      input.click();
    });
  }

  async dropped(files: File[], onProgress?: (sent: number, total: number) => void, signal?: AbortSignal): Promise<string[]> {
    const total = files.reduce((n, f) => n + f.size, 0);
    let before = 0;
    const paths: string[] = [];
    for (const file of files) {
      paths.push(await upload(file, (sent) => onProgress?.(before + sent, total), signal));
      before += file.size;
    }
    return paths;
  }

  async exportTo(source: ExportSource, suggestedName: string, signal?: AbortSignal) {
    const prepared = await this.client().call(
      'export.prepare',
      { source, format: 'csv', name: suggestedName.replace(/[^\w .-]/g, '_') },
      signal ? { signal } : {},
    );
    const link = document.createElement('a');
    link.href = `${API_ROUTES.download}${prepared.downloadId}`;
    link.download = prepared.filename;
    document.body.append(link);
    link.click();
    link.remove();
    return { rows: prepared.rows, where: `${prepared.filename} (your browser's downloads)` };
  }
}

/** Browser mode: requests over HTTP POST, events over one WebSocket that reconnects when dropped. */
export class HttpTransport implements Transport {
  readonly kind = 'browser' as const;
  readonly files: FileAccess;
  private listeners = new Set<(event: EngineEvent) => void>();
  private connectionListeners = new Set<(connected: boolean) => void>();
  private socket: WebSocket | undefined;
  private retry = 500;

  constructor(client: () => Client) {
    this.files = new BrowserFiles(client);
    this.connect();
  }

  private connect(): void {
    const url = new URL(API_ROUTES.events, location.href);
    url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const socket = new WebSocket(url);
    this.socket = socket;
    socket.onopen = () => {
      this.retry = 500;
      for (const l of this.connectionListeners) l(true);
    };
    socket.onmessage = (message) => {
      let event: EngineEvent;
      try {
        event = JSON.parse(String(message.data)) as EngineEvent;
      } catch {
        return;
      }
      for (const listener of this.listeners) listener(event);
    };
    socket.onclose = () => {
      for (const l of this.connectionListeners) l(false);
      setTimeout(() => this.connect(), this.retry);
      this.retry = Math.min(this.retry * 2, 10_000);
    };
  }

  async send(message: RequestMessage): Promise<ResponseMessage> {
    return (await post(API_ROUTES.call, message)) as ResponseMessage;
  }

  cancel(requestId: string): void {
    void post(API_ROUTES.cancel, { cancel: requestId }).catch(() => undefined);
  }

  subscribe(listener: (event: EngineEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onConnection(listener: (connected: boolean) => void): () => void {
    this.connectionListeners.add(listener);
    listener(this.socket?.readyState === WebSocket.OPEN);
    return () => this.connectionListeners.delete(listener);
  }
}
