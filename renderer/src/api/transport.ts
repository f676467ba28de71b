import type { EngineEvent, Params, RequestMessage, ResponseMessage } from '../../../engine/shared/contract';
import type { MenuAction } from '../../../engine/shared/bridge';

export type ExportSource = Params<'export.file'>['source'];

/** The engine answers; it does not (stopped, restarting); or it answers, but not to this page's session. */
export type ConnectionStatus = 'connected' | 'unreachable' | 'signed-out';

/** What a shell offers for files, where browsers and Electron differ. */
export interface FileAccess {
  /** Ask the user for event files to import; resolves to paths the engine can read (or none when dismissed). */
  chooseImportFiles(): Promise<string[]>;
  /** Files dropped on the window (or picked with an input) as paths the engine can read. */
  dropped(files: File[], onProgress?: (sent: number, total: number) => void, signal?: AbortSignal): Promise<string[]>;
  /**
   * Export a result or table to a place the user chooses, as CSV or Parquet by the suggested name's extension;
   * resolves to what was written, or undefined when dismissed.
   */
  exportTo(
    source: ExportSource,
    suggestedName: string,
    signal?: AbortSignal,
  ): Promise<{ rows: number; where: string } | undefined>;
  /** Ask for a folder (opening or creating a workspace); undefined when dismissed or when the shell cannot (browsers). */
  chooseFolder?(): Promise<string | undefined>;
}

/**
 * How requests reach the engine: Electron IPC through the preload bridge, or HTTP and a WebSocket in
 * browser mode. Everything above this interface is the same in both.
 */
export interface Transport {
  readonly kind: 'electron' | 'browser';
  send(message: RequestMessage): Promise<ResponseMessage>;
  cancel(requestId: string): void;
  subscribe(listener: (event: EngineEvent) => void): () => void;
  /** How the engine is reached (browser mode; Electron's engine lives and dies with the window), for the top bar. */
  onConnection?(listener: (status: ConnectionStatus) => void): () => void;
  /**
   * Called when the event stream is back after a drop. `restarted` says it is another start of the engine: what it
   * held for this page (results, cursors) is gone, while the workspace and its notebooks are as they were.
   */
  onReconnect?(listener: (restarted: boolean) => void): () => void;
  /** The desktop app's menu (Electron only). */
  onMenu?(listener: (action: MenuAction) => void): () => void;
  files: FileAccess;
}
