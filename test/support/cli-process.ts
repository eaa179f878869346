import { spawn, type ChildProcess } from 'node:child_process';
import { sealcastBin } from './repo-root.js';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** SEALCAST_HOME for this client: its identity, pins and state. */
  home: string;
  env?: Record<string, string>;
  input?: string;
  timeoutMs?: number;
}

/** Runs one `sealcast …` command to completion. */
export function runCli(args: string[], opts: CliOptions): Promise<CliResult> {
  const child = startCli(args, opts);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  if (opts.input !== undefined) child.stdin!.end(opts.input);
  else child.stdin!.end();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Starts a long-running `sealcast …` command (listen, connect, play). */
export function startCli(args: string[], opts: CliOptions): ChildProcess {
  return spawn(process.execPath, [sealcastBin(), ...args], {
    env: { ...process.env, SEALCAST_HOME: opts.home, NO_COLOR: '1', ...opts.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

/**
 * Collects a child's stdout as lines from the moment it is attached, so no early
 * output is missed, and lets a test wait for a line matching a predicate.
 */
export class LineCollector {
  readonly lines: string[] = [];
  private partial = '';
  private waiters: { predicate: (l: string) => boolean; resolve: (l: string) => void }[] = [];

  constructor(stream: NodeJS.ReadableStream) {
    stream.setEncoding('utf8');
    stream.on('data', (d: string) => {
      const parts = (this.partial + d).split('\n');
      this.partial = parts.pop()!;
      for (const line of parts) {
        this.lines.push(line);
        this.waiters = this.waiters.filter((w) => {
          if (!w.predicate(line)) return true;
          w.resolve(line);
          return false;
        });
      }
    });
  }

  text(): string {
    return this.lines.join('\n') + (this.partial ? '\n' + this.partial : '');
  }

  /** Resolves with the first line (already seen or future) matching `predicate`. */
  waitFor(predicate: (line: string) => boolean, timeoutMs = 15_000): Promise<string> {
    const seen = this.lines.find(predicate);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.resolve !== done);
        reject(new Error(`no matching line within ${timeoutMs} ms; got:\n${this.text()}`));
      }, timeoutMs);
      const done = (line: string) => {
        clearTimeout(timer);
        resolve(line);
      };
      this.waiters.push({ predicate, resolve: done });
    });
  }
}
