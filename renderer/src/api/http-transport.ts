import type { EngineEvent, RequestMessage, ResponseMessage } from '../../../engine/shared/contract';
import { CLIENT_HEADER, CLIENT_PARAM } from '../../../engine/shared/routes';

/**
 * This page's client session, new at each load: the engine keeps what the page's requests hold (results, running
 * queries) while the page's event socket is there, and cancels and releases it once the page is gone.
 */
const CLIENT_ID = Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
import { EngineError, UNREACHABLE, type Client } from './client';
import type { ConnectionStatus, ExportSource, FileAccess, Transport } from './transport';
import { API_ROUTES, REQUEST_HEADER, ServerHelloSchema } from '../../../engine/shared/routes';

const UNREACHABLE_MESSAGE = 'Engine not reachable: is `recount serve` still running? This page reconnects when it is back.';
const SIGNED_OUT_MESSAGE = 'Not signed in to this Recount server: open the URL that `recount serve` printed.';
/** Reconnect attempts start fast (a restart takes a few seconds) and settle at this pace while the engine is away. */
const RETRY_FIRST_MS = 250;
const RETRY_MAX_MS = 2000;

/** Browser mode's header on every API request: a cross-site form cannot send it. */

async function post(path: string, body: unknown): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', [REQUEST_HEADER]: '1', [CLIENT_HEADER]: CLIENT_ID },
      body: JSON.stringify(body),
      credentials: 'same-origin',
    });
  } catch {
    // fetch rejects only when no answer came at all: the server is not there.
    throw new EngineError({ message: UNREACHABLE_MESSAGE, code: UNREACHABLE });
  }
  const payload = (await response.json().catch(() => ({}))) as { error?: string };
  if (!response.ok) {
    if (response.status === 401) throw new EngineError({ message: SIGNED_OUT_MESSAGE, code: 'signed-out' });
    throw new Error(payload.error ?? response.statusText);
  }
  return payload;
}

/** Whether the server answers this page's session, asked when the event socket will not open (it hides why). */
async function probe(): Promise<ConnectionStatus> {
  try {
    const response = await fetch(API_ROUTES.events, { credentials: 'same-origin', cache: 'no-store' });
    return response.status === 401 ? 'signed-out' : 'connected';
  } catch {
    return 'unreachable';
  }
}

function upload(file: File, onProgress: (sent: number) => void, signal?: AbortSignal): Promise<string> {
  // XMLHttpRequest, not fetch: fetch still reports no upload progress, and a large file needs a bar.
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open('POST', `${API_ROUTES.upload}?name=${encodeURIComponent(file.name)}`);
    request.setRequestHeader(REQUEST_HEADER, '1');
    request.setRequestHeader(CLIENT_HEADER, CLIENT_ID);
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
      // The name's extension is the format, as the desktop app's save dialog has it.
      {
        source,
        format: suggestedName.toLowerCase().endsWith('.parquet') ? 'parquet' : 'csv',
        name: suggestedName.replace(/[^\w .-]/g, '_'),
      },
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

/**
 * Browser mode: requests over HTTP POST, events over one WebSocket that reconnects when dropped. The socket's first
 * message names the server's instance, so a reconnect can tell a restarted engine (which holds nothing of this page
 * any more) from a dropped socket.
 */
export class HttpTransport implements Transport {
  readonly kind = 'browser' as const;
  readonly files: FileAccess;
  private listeners = new Set<(event: EngineEvent) => void>();
  private connectionListeners = new Set<(status: ConnectionStatus) => void>();
  private reconnectListeners = new Set<(restarted: boolean) => void>();
  private socket: WebSocket | undefined;
  private retry = RETRY_FIRST_MS;
  private status: ConnectionStatus = 'connected';
  private instance: string | undefined;
  private dropped = false;

  constructor(client: () => Client) {
    this.files = new BrowserFiles(client);
    this.connect();
  }

  private connect(): void {
    const url = new URL(API_ROUTES.events, location.href);
    url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
    url.searchParams.set(CLIENT_PARAM, CLIENT_ID);
    const socket = new WebSocket(url);
    this.socket = socket;
    let opened = false;
    socket.onopen = () => {
      opened = true;
      this.retry = RETRY_FIRST_MS;
    };
    socket.onmessage = (message) => {
      let data: unknown;
      try {
        data = JSON.parse(String(message.data));
      } catch {
        return;
      }
      const hello = ServerHelloSchema.safeParse(data);
      if (hello.success) return this.greeted(hello.data.instance);
      for (const listener of this.listeners) listener(data as EngineEvent);
    };
    socket.onclose = () => {
      this.dropped = true;
      // A socket that opened was dropped (the engine stopped); one that never opened may be refused, which only a request can tell.
      void (opened ? Promise.resolve<ConnectionStatus>('unreachable') : probe()).then((status) =>
        this.setStatus(status === 'connected' ? 'unreachable' : status),
      );
      setTimeout(() => this.connect(), this.retry);
      this.retry = Math.min(this.retry * 2, RETRY_MAX_MS);
    };
  }

  private greeted(instance: string): void {
    const restarted = this.instance !== undefined && this.instance !== instance;
    this.instance = instance;
    this.setStatus('connected');
    if (!this.dropped) return;
    this.dropped = false;
    for (const l of this.reconnectListeners) l(restarted);
  }

  private setStatus(status: ConnectionStatus): void {
    // A probe answering after the socket is back says nothing new.
    if (status !== 'connected' && this.socket?.readyState === WebSocket.OPEN) return;
    if (status === this.status) return;
    this.status = status;
    for (const l of this.connectionListeners) l(status);
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

  onConnection(listener: (status: ConnectionStatus) => void): () => void {
    this.connectionListeners.add(listener);
    listener(this.status);
    return () => this.connectionListeners.delete(listener);
  }

  onReconnect(listener: (restarted: boolean) => void): () => void {
    this.reconnectListeners.add(listener);
    return () => this.reconnectListeners.delete(listener);
  }
}
