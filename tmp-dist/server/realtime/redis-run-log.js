import { MemoryRunLog } from './run-log.js';
/** A live run's stream outlives a crashed owner only this long; the lease reaper ends it sooner. */
const RUNNING_TTL_MS = 24 * 3_600_000;
/** How often a remote follower re-reads the stream, in case a pub/sub message was lost. */
const POLL_MS = 2_000;
/**
 * The run log on Redis Streams, so any instance can resume any run. Runs started here are also
 * kept in memory and served from it (no round trip for the common case); every event is written
 * to a stream (`XADD key 0-<seq>`, ids are the sequence numbers) and announced on a channel.
 * A follower on another instance subscribes first, then reads the backlog with XRANGE, then
 * takes live events, filling any gap from the stream: no duplicate, no gap.
 */
export class RedisRunLog {
    redis;
    subscriptions;
    prefix;
    logger;
    retainMs;
    local;
    constructor(redis, subscriptions, prefix, logger, retainMs = 60_000) {
        this.redis = redis;
        this.subscriptions = subscriptions;
        this.prefix = prefix;
        this.logger = logger;
        this.retainMs = retainMs;
        this.local = new MemoryRunLog(retainMs);
    }
    key(runId) {
        return `${this.prefix}:run:${runId}`;
    }
    open(runId) {
        this.local.open(runId);
    }
    append(runId, event) {
        this.local.append(runId, event);
        const key = this.key(runId);
        const pipeline = this.redis.pipeline().xadd(key, `0-${event.seq}`, 'd', event.data);
        if (event.seq === 1)
            pipeline.pexpire(key, RUNNING_TTL_MS);
        pipeline
            .publish(key, `${event.seq}\n${event.data}`)
            .exec()
            .catch((err) => this.logger.warn({ err: { message: err.message }, runId }, 'could not write a run event to redis'));
    }
    end(runId) {
        this.local.end(runId);
        this.redis.pexpire(this.key(runId), this.retainMs).catch(() => undefined);
    }
    async has(runId) {
        if (this.local.hasLocal(runId))
            return true;
        return (await this.redis.exists(this.key(runId))) === 1;
    }
    follow(runId, after, signal) {
        if (this.local.hasLocal(runId))
            return this.local.follow(runId, after, signal);
        return this.followRemote(runId, after, signal);
    }
    async terminate(runId, payloads) {
        if (this.local.hasLocal(runId))
            return this.local.terminate(runId, payloads);
        const key = this.key(runId);
        const last = await this.redis.xrevrange(key, '+', '-', 'COUNT', 1);
        const lastEntry = last[0];
        if (!lastEntry || lastEntry[1][1] === '[DONE]')
            return;
        let seq = Number(lastEntry[0].split('-')[1]);
        const pipeline = this.redis.pipeline();
        for (const data of payloads) {
            seq += 1;
            pipeline.xadd(key, `0-${seq}`, 'd', data).publish(key, `${seq}\n${data}`);
        }
        await pipeline.pexpire(key, this.retainMs).exec();
    }
    async range(runId, fromSeq) {
        const entries = await this.redis.xrange(this.key(runId), `0-${fromSeq}`, '+');
        return entries.map(([id, fields]) => ({ seq: Number(id.split('-')[1]), data: fields[1] ?? '' }));
    }
    async *followRemote(runId, after, signal) {
        const live = [];
        let wake;
        const unsubscribe = await this.subscriptions.add(this.key(runId), (message) => {
            const newline = message.indexOf('\n');
            live.push({ seq: Number(message.slice(0, newline)), data: message.slice(newline + 1) });
            wake?.();
        });
        try {
            let last = after;
            let pending = await this.range(runId, after + 1);
            for (;;) {
                for (const event of pending) {
                    if (event.seq <= last)
                        continue;
                    if (event.seq > last + 1) {
                        // A live message arrived before the ones in between: read them from the stream.
                        pending = await this.range(runId, last + 1);
                        const first = pending[0];
                        if (first && first.seq > last + 1) {
                            // The stream itself lacks them (a write failed while Redis was down): skip ahead
                            // rather than wait forever.
                            this.logger.warn({ runId, from: last + 1, to: first.seq - 1 }, 'run events missing from redis');
                            last = first.seq - 1;
                        }
                        break;
                    }
                    yield event;
                    last = event.seq;
                    if (event.data === '[DONE]' || signal.aborted)
                        return;
                }
                if (pending.some((event) => event.seq > last))
                    continue;
                if (live.length === 0) {
                    const gotSomething = await new Promise((resolve) => {
                        const timer = setTimeout(() => done(false), POLL_MS);
                        const onAbort = () => done(false);
                        function done(value) {
                            clearTimeout(timer);
                            signal.removeEventListener('abort', onAbort);
                            wake = undefined;
                            resolve(value);
                        }
                        wake = () => done(true);
                        signal.addEventListener('abort', onAbort, { once: true });
                    });
                    if (signal.aborted)
                        return;
                    if (!gotSomething) {
                        // Quiet for a while: re-read the stream (covers lost messages) and stop if it is gone.
                        pending = await this.range(runId, last + 1);
                        if (pending.length === 0 && (await this.redis.exists(this.key(runId))) === 0)
                            return;
                        continue;
                    }
                }
                pending = live.splice(0).sort((a, b) => a.seq - b.seq);
            }
        }
        finally {
            unsubscribe();
        }
    }
}
