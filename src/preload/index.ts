import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';

// The page gets two functions and nothing else: no ipcRenderer, no Node.
contextBridge.exposeInMainWorld('latentStudio', {
  invoke: (name: string, input: unknown): Promise<unknown> => ipcRenderer.invoke('studio:invoke', name, input),
  on: (listener: (event: unknown) => void): (() => void) => {
    const handler = (_e: IpcRendererEvent, event: unknown) => listener(event);
    ipcRenderer.on('studio:event', handler);
    return () => ipcRenderer.removeListener('studio:event', handler);
  },
});
