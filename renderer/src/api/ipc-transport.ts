import type { EngineEvent, Method, Params, RequestMessage, ResponseMessage } from '../../../engine/shared/contract';
import type { MenuAction, RecountBridge } from '../../../engine/shared/bridge';
import type { Client } from './client';
import type { ExportSource, FileAccess, Transport } from './transport';

class ElectronFiles implements FileAccess {
  constructor(
    private readonly bridge: RecountBridge,
    private readonly client: () => Client,
  ) {}

  chooseImportFiles(): Promise<string[]> {
    return this.bridge.chooseImportFiles();
  }

  async dropped(files: File[]): Promise<string[]> {
    // Electron hands over real paths: nothing is copied, the engine reads the files where they are.
    return this.bridge.pathsForFiles(files);
  }

  async exportTo(source: ExportSource, suggestedName: string, signal?: AbortSignal) {
    const path = await this.bridge.chooseSavePath(suggestedName);
    if (!path) return undefined;
    const result = await this.client().call(
      'export.file',
      { source, path, format: path.toLowerCase().endsWith('.parquet') ? 'parquet' : 'csv' },
      signal ? { signal } : {},
    );
    return { rows: result.rows, where: result.out };
  }

  chooseFolder(): Promise<string | undefined> {
    return this.bridge.chooseFolder();
  }
}

/** Electron: the contract over IPC, through the preload's narrow bridge. */
export class IpcTransport implements Transport {
  readonly kind = 'electron' as const;
  readonly files: FileAccess;

  constructor(
    private readonly bridge: RecountBridge,
    client: () => Client,
  ) {
    this.files = new ElectronFiles(bridge, client);
  }

  send(message: RequestMessage): Promise<ResponseMessage> {
    const call = this.bridge.methods[message.method] as (id: string, params: Params<Method>) => Promise<ResponseMessage>;
    return call(message.id, message.params as Params<Method>);
  }

  cancel(requestId: string): void {
    this.bridge.cancel(requestId);
  }

  subscribe(listener: (event: EngineEvent) => void): () => void {
    return this.bridge.onEvent(listener);
  }

  onMenu(listener: (action: MenuAction) => void): () => void {
    return this.bridge.onMenu(listener);
  }
}
