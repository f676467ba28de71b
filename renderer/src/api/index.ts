import { BRIDGE_GLOBAL, type RecountBridge } from '../../../engine/shared/bridge';
import { Client } from './client';
import { HttpTransport } from './http-transport';
import { IpcTransport } from './ipc-transport';

export { Client, EngineError, isUnreachable, type CallOptions } from './client';
export type { ConnectionStatus, ExportSource } from './transport';
export type { Method, Params, Result, EngineEvent, ApiProgress } from '../../../engine/shared/contract';

/** The client for whichever shell loaded the renderer: Electron's preload bridge if present, else HTTP. */
export function connect(): Client {
  const bridge = (globalThis as unknown as Record<string, RecountBridge | undefined>)[BRIDGE_GLOBAL];
  let client: Client | undefined = undefined;
  const self = () => client as Client;
  client = new Client(bridge ? new IpcTransport(bridge, self) : new HttpTransport(self));
  return client;
}
