import { interruptAfterCrash } from './run-status.js';
const HEARTBEAT_MS = 5_000;
/**
 * This instance's presence in the shared database. Without Redis it is meant to be the only
 * instance: at start, any reply left `streaming` was cut off by a crash and becomes `interrupted`,
 * and another instance that heartbeats after this one started is a misconfiguration it reports.
 * With Redis, run leases decide which runs are dead (see RunReaper).
 */
export class InstanceRegistry {
    store;
    id;
    withRedis;
    logger;
    heartbeatMs;
    timer;
    startedAt = '';
    warned = false;
    constructor(store, id, withRedis, logger, heartbeatMs = HEARTBEAT_MS) {
        this.store = store;
        this.id = id;
        this.withRedis = withRedis;
        this.logger = logger;
        this.heartbeatMs = heartbeatMs;
    }
    async start(at) {
        this.startedAt = at;
        const repos = this.store.repos;
        await repos.leases.forgetStaleInstances(new Date(Date.now() - 60_000).toISOString());
        if (!this.withRedis) {
            const interrupted = await interruptAfterCrash(repos, at);
            if (interrupted > 0) {
                this.logger.warn({ count: interrupted }, 'replies cut off by a previous crash marked interrupted');
            }
        }
        await this.beat(at);
        this.timer = setInterval(() => {
            this.beat(new Date().toISOString()).catch((err) => this.logger.warn({ err }, 'instance heartbeat failed'));
        }, this.heartbeatMs);
        this.timer.unref();
    }
    async beat(now) {
        const repos = this.store.repos;
        await repos.leases.heartbeat(this.id, this.startedAt, now, this.withRedis);
        if (this.withRedis || this.warned)
            return;
        // A crashed predecessor stopped beating before we started; a live twin keeps beating.
        const others = await repos.leases.liveInstances(this.id, this.startedAt);
        if (others.length > 0) {
            this.warned = true;
            this.logger.error({ otherInstances: others.length }, 'another Parley instance uses this database without REDIS_URL: streams, stop and limits do not work across instances. Set REDIS_URL on every instance.');
        }
    }
    async stop() {
        clearInterval(this.timer);
        await this.store.repos.leases.forgetInstance(this.id).catch(() => undefined);
    }
}
