import { fork, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import type { Readable } from 'node:stream';

/** Every child a benchmark started; killed (by pid, only these) if the runner exits early. */
const children = new Set<ChildProcess>();
let hooked = false;

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  const killAll = () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  };
  process.on('exit', killAll);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      killAll();
      process.exit(130);
    });
  }
}

/** Starts a process and remembers it so it never outlives the benchmark run. */
export function spawnTracked(cmd: string, args: string[], opts: SpawnOptions = {}): ChildProcess {
  hookExit();
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** Stops a child: SIGTERM, then SIGKILL after `graceMs`; resolves when it is gone. */
export async function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await gone;
  clearTimeout(timer);
}

/** Resolves with the first match of `re` in a stream's text, or rejects after `ms`. */
export function waitForOutput(stream: Readable, re: RegExp, ms: number, what: string): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => {
      stream.off('data', onData);
      reject(new Error(`${what}: no ${re} within ${ms} ms; output so far:\n${text.slice(-2000)}`));
    }, ms);
    const onData = (d: Buffer | string) => {
      text += d.toString();
      const m = re.exec(text);
      if (m) {
        clearTimeout(timer);
        stream.off('data', onData);
        resolve(m);
      }
    };
    stream.on('data', onData);
  });
}

interface Request {
  id: number;
  cmd: string;
  payload: unknown;
}
interface Reply {
  id: number;
  ok: boolean;
  result?: unknown;
  error?: string;
}

/** A forked worker (a load generator) that answers commands over IPC. */
export class Worker {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  readonly child: ChildProcess;
  private stderr = '';

  constructor(modulePath: string, args: string[] = [], execArgv: string[] = []) {
    hookExit();
    // SEALCAST_BENCH_CPU_PROF=DIR profiles the load generators too (written when they exit).
    const prof = process.env.SEALCAST_BENCH_CPU_PROF;
    const argv = prof ? ['--cpu-prof', '--cpu-prof-dir', prof, ...execArgv] : execArgv;
    this.child = fork(modulePath, args, { stdio: ['ignore', 'inherit', 'pipe', 'ipc'], execArgv: argv });
    children.add(this.child);
    this.child.stderr!.on('data', (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-4000);
    });
    this.child.on('message', (m: Reply) => {
      const w = this.waiting.get(m.id);
      if (!w) return;
      this.waiting.delete(m.id);
      if (m.ok) w.resolve(m.result);
      else w.reject(new Error(m.error));
    });
    this.child.once('exit', (code, signal) => {
      children.delete(this.child);
      for (const w of this.waiting.values()) w.reject(new Error(`worker exited (${code ?? signal}): ${this.stderr.trim().slice(-1500)}`));
      this.waiting.clear();
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Sends a command and resolves with the worker's answer. */
  request<T>(cmd: string, payload: unknown = {}, timeoutMs = 600_000): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`worker command ${cmd} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.child.send({ id, cmd, payload } satisfies Request);
    });
  }

  async close(): Promise<void> {
    await stopChild(this.child, 3000);
  }
}

/** Worker side: answers each command with its handler's result; exits when the parent goes. */
export function serveWorker(handlers: Record<string, (payload: never) => unknown>): void {
  process.on('message', (m: Request) => {
    const h = handlers[m.cmd];
    const reply = (r: Reply) => process.send?.(r);
    if (!h) return reply({ id: m.id, ok: false, error: `unknown command ${m.cmd}` });
    Promise.resolve()
      .then(() => h(m.payload as never))
      .then(
        (result) => reply({ id: m.id, ok: true, result }),
        (e: unknown) => reply({ id: m.id, ok: false, error: e instanceof Error ? e.stack ?? e.message : String(e) }),
      );
  });
  process.on('disconnect', () => process.exit(0));
  process.on('SIGTERM', () => process.exit(0));
}
