import { encodeRunEvent, runEnd } from '../../shared/run-events.js';
import { interruptLostRun } from './run-status.js';
/**
 * Finds runs whose instance died (their lease ran out), marks them and their message
 * `interrupted` (continue completes them), and ends their run log so clients following the stream
 * on any instance see the end instead of waiting forever.
 */
export class RunReaper {
    deps;
    timer;
    running = Promise.resolve();
    constructor(deps) {
        this.deps = deps;
    }
    start(intervalMs) {
        this.timer = setInterval(() => {
            this.running = this.sweep().then(() => undefined, (err) => this.deps.logger.warn({ err }, 'run reaper sweep failed'));
        }, intervalMs);
        this.timer.unref();
    }
    async stop() {
        clearInterval(this.timer);
        await this.running;
    }
    async sweep() {
        const now = new Date().toISOString();
        let reaped = 0;
        for (const run of await this.deps.store.repos.leases.expiredRuns(now)) {
            // Our own run is alive even if a long pause delayed its lease renewal.
            if (this.deps.runs.get(run.id))
                continue;
            if (!(await interruptLostRun(this.deps.store.repos, run, now)))
                continue;
            reaped += 1;
            // The same ending a run writes itself; its usage died with its instance.
            const ending = runEnd('interrupted', { inputTokens: null, outputTokens: null }, { interruptedBy: 'lost' });
            await this.deps.runLog.terminate(run.id, ending.map(encodeRunEvent));
            this.deps.bus.publish(run.user_id, {
                type: 'run.finished',
                conversationId: run.conversation_id,
                runId: run.id,
                messageId: run.message_id,
                status: 'interrupted',
            });
            this.deps.logger.warn({ runId: run.id, conversationId: run.conversation_id, instanceId: run.instance_id }, 'run of a lost instance marked interrupted');
        }
        return reaped;
    }
}
