import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Sockets held by another process (TCP that never starts TLS, or WebSockets), to be closed all at once. */
export interface SocketCrowd {
  opened: number;
  failed: number;
  /** Destroys every socket in one turn of the crowd's event loop. */
  closeAll(): Promise<void>;
  kill(): void;
}

export async function socketCrowd(port: number, mode: 'tcp' | 'ws', count: number): Promise<SocketCrowd> {
  const child: ChildProcess = fork(fileURLToPath(new URL('./socket-crowd-child.js', import.meta.url)), [String(port), mode, String(count)], { stdio: 'ignore' });
  const first = await new Promise<{ opened: number; failed: number }>((resolve, reject) => {
    child.once('message', (m) => resolve(m as { opened: number; failed: number }));
    child.once('exit', (code) => reject(new Error(`socket crowd exited with ${code}`)));
  });
  return {
    ...first,
    closeAll: () => new Promise((resolve) => {
      child.once('message', () => resolve());
      child.send('close');
    }),
    kill: () => child.kill('SIGKILL'),
  };
}
