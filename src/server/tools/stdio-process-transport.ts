import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { getDefaultEnvironment } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ReadBuffer, serializeMessage } from '@modelcontextprotocol/sdk/shared/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

/**
 * The MCP stdio transport, for a child Parley supervises. The SDK's own transport kills only the
 * process it spawned; `npx some-server` is a tree (npx → node → maybe more), so here the child
 * leads its own process group and close() signals the whole group. stderr is drained (a full pipe
 * would block the server) and only its last short line is kept, for one log line when it exits.
 */

export interface StdioProcessOptions {
  command: string;
  args: string[];
  /** Added to the SDK's safe default environment (PATH, HOME...): Parley's own secrets stay out. */
  env: Record<string, string>;
  cwd: string | undefined;
  /** Largest single JSON-RPC line accepted from the server. */
  maxMessageBytes?: number;
}

const STDERR_KEEP_CHARS = 200;
const STDIN_GRACE_MS = 1_000;
const TERM_GRACE_MS = 2_000;

export class StdioProcessTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  private child: ChildProcess | undefined;
  private exited = false;
  private closedNotified = false;
  private readonly buffer: ReadBuffer;
  private stderrTail = '';
  private exitInfo: string | undefined;

  constructor(private readonly options: StdioProcessOptions) {
    this.buffer = new ReadBuffer({ maxBufferSize: options.maxMessageBytes ?? 16 * 1024 * 1024 });
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** How the process ended (`code 1`, `signal SIGKILL`), once it has. */
  get exit(): string | undefined {
    return this.exitInfo;
  }

  /** The last line the server wrote to stderr, cut short (the caller still scrubs secrets). */
  get lastStderrLine(): string {
    const lines = this.stderrTail.split('\n').filter((line) => line.trim() !== '');
    return (lines.at(-1) ?? '').trim().slice(0, STDERR_KEEP_CHARS);
  }

  async start(): Promise<void> {
    if (this.child) throw new Error('StdioProcessTransport already started');
    const child = spawn(this.options.command, this.options.args, {
      env: { ...getDefaultEnvironment(), ...this.options.env },
      cwd: this.options.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
      // Its own process group, so close() can end the whole tree (not on Windows: no groups).
      detached: process.platform !== 'win32',
      windowsHide: true,
    });
    this.child = child;
    child.on('exit', (code, signal) => {
      this.exited = true;
      this.exitInfo = signal ? `signal ${signal}` : `code ${String(code)}`;
    });
    child.on('close', () => {
      this.exited = true;
      this.notifyClosed();
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      try {
        this.buffer.append(chunk);
      } catch (error) {
        // Past the size limit the buffer is dropped (it throws here, in an event handler: caught,
        // or it would crash Parley); the call waiting for that answer times out.
        this.onerror?.(error instanceof Error ? error : new Error(String(error)));
        return;
      }
      this.drain();
    });
    child.stdout?.on('error', (error) => this.onerror?.(error));
    child.stdin?.on('error', (error) => this.onerror?.(error));
    child.stderr?.on('error', () => {});
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (text: string) => {
      this.stderrTail = (this.stderrTail + text).slice(-2 * STDERR_KEEP_CHARS);
    });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', () => resolve());
      // `on`, not `once`: a later 'error' (a failed kill) without a listener would crash Parley.
      child.on('error', (error) => {
        reject(error);
        this.onerror?.(error);
        if (child.pid === undefined) {
          // It never started: no 'close' will come.
          this.exited = true;
          this.notifyClosed();
        }
      });
    });
  }

  async send(message: JSONRPCMessage): Promise<void> {
    const stdin = this.child?.stdin;
    if (!stdin || this.exited || !stdin.writable) throw new Error('the MCP server process is not running');
    if (!stdin.write(serializeMessage(message))) await once(stdin, 'drain');
  }

  /** End stdin (the polite stop for stdio servers), then SIGTERM and SIGKILL the whole group. */
  async close(): Promise<void> {
    const child = this.child;
    if (!child || this.exited) {
      this.notifyClosed();
      return;
    }
    const gone = once(child, 'close').then(() => true);
    const within = (ms: number) =>
      Promise.race([gone, new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms).unref())]);
    child.stdin?.end();
    if (!(await within(STDIN_GRACE_MS))) {
      this.signal('SIGTERM');
      if (!(await within(TERM_GRACE_MS))) {
        this.signal('SIGKILL');
        await within(TERM_GRACE_MS);
      }
    }
    // The leader may be gone while children it left behind still hold the group: end them too.
    this.signal('SIGKILL');
    this.notifyClosed();
  }

  private signal(signal: NodeJS.Signals): void {
    const pid = this.child?.pid;
    if (pid === undefined) return;
    try {
      if (process.platform === 'win32') this.child?.kill(signal);
      else process.kill(-pid, signal);
    } catch {
      // ESRCH: the group is already gone.
    }
  }

  private drain(): void {
    for (;;) {
      try {
        const message = this.buffer.readMessage();
        if (message === null) return;
        this.onmessage?.(message);
      } catch (error) {
        // A line that is not JSON-RPC (a server printing to stdout): reported, then skipped.
        this.onerror?.(error instanceof Error ? error : new Error(String(error)));
      }
    }
  }

  private notifyClosed(): void {
    if (this.closedNotified) return;
    this.closedNotified = true;
    this.onclose?.();
  }
}
