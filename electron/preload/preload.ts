// Exposes exactly the typed client interface to the page: call() answers with
// an envelope, on() returns a disposer. No ipcRenderer, events or Node values cross.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';

const CALL_CHANNEL = 'netns:call';
const NOTIFY_CHANNEL = 'netns:notify';

export const api = {
  call(method: string, params: unknown): Promise<unknown> {
    return ipcRenderer.invoke(CALL_CHANNEL, String(method), params);
  },
  on(name: string, handler: (params: unknown) => void): () => void {
    const listener = (_event: IpcRendererEvent, notification: string, params: unknown) => {
      if (notification === name) handler(params);
    };
    ipcRenderer.on(NOTIFY_CHANNEL, listener);
    return () => {
      ipcRenderer.removeListener(NOTIFY_CHANNEL, listener);
    };
  },
};

contextBridge.exposeInMainWorld('netnsExplorer', api);
