import type { FastifyReply } from 'fastify';
import { AppError } from '../errors.js';

/**
 * Responses a public route may have in flight at once, per caller address and in all. A share's
 * snapshot and files are read into memory and sent whole; a client that asks and never reads holds
 * that memory until the connection times out, so without a bound one address could pin gigabytes.
 * A slot is held from the claim until the response has finished or its connection closed.
 */
export class DownloadSlots {
  private readonly held = new Map<string, number>();
  private total = 0;

  constructor(private readonly limits: { perAddress: number; total: number }) {}

  /** Claims a slot for `address` until `reply` ends; a 429 to try again shortly when none is free. */
  claim(address: string, reply: FastifyReply): void {
    const mine = this.held.get(address) ?? 0;
    if (mine >= this.limits.perAddress || this.total >= this.limits.total) {
      throw new AppError('rate_limited', 'Too many downloads at once from here; try again in a moment.', {
        retryAfterSeconds: 5,
      });
    }
    this.held.set(address, mine + 1);
    this.total += 1;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.total -= 1;
      const left = (this.held.get(address) ?? 1) - 1;
      if (left > 0) this.held.set(address, left);
      else this.held.delete(address);
    };
    // `finish`: the last byte was handed to the socket; `close`: the connection went first.
    reply.raw.once('finish', release);
    reply.raw.once('close', release);
  }
}
