import cookie from '@fastify/cookie';
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import { addressBucket } from '../auth/address-bucket.js';
/**
 * Cookies (signed), security headers, CORS (off unless CORS_ORIGINS is set) and the request rate
 * limit (RATE_LIMIT_RPM per user or guest, per IP when anonymous). Registered before the routes.
 */
export async function installSecurity(app, config, secret, windowMs = 60_000, 
/** Shared counters for several instances; in memory without it. */
redis) {
    const https = config.publicUrl?.startsWith('https://') ?? false;
    await app.register(cookie, { secret, hook: 'onRequest' });
    await app.register(helmet, {
        contentSecurityPolicy: {
            useDefaults: false,
            directives: {
                defaultSrc: ["'self'"],
                scriptSrc: ["'self'"],
                styleSrc: ["'self'"],
                imgSrc: ["'self'", 'data:'],
                connectSrc: ["'self'"],
                fontSrc: ["'self'"],
                objectSrc: ["'none'"],
                baseUri: ["'self'"],
                formAction: ["'self'"],
                frameAncestors: ["'none'"],
                ...(https ? { upgradeInsecureRequests: [] } : {}),
            },
        },
        // HSTS only makes sense (and is only safe) when Parley is really served over https.
        strictTransportSecurity: https ? { maxAge: 31_536_000, includeSubDomains: true } : false,
        crossOriginEmbedderPolicy: false,
    });
    if (config.corsOrigins.length > 0) {
        await app.register(cors, {
            origin: config.corsOrigins,
            credentials: true,
            exposedHeaders: [
                'x-request-id',
                'x-parley-run-id',
                'x-parley-message-id',
                'x-parley-conversation-id',
                'retry-after',
            ],
        });
    }
    await app.register(rateLimit, {
        global: true,
        max: config.rateLimitRpm,
        // Under REDIS_KEY_PREFIX like every other key, so installs sharing a Redis stay apart.
        ...(redis ? { redis, nameSpace: `${config.redisKeyPrefix}:rl:` } : {}),
        // With Redis down, serve rather than refuse everything (runs are refused on their own).
        skipOnError: true,
        timeWindow: windowMs,
        // Signed-in callers by user, guests by guest (each browser its own), anonymous ones by
        // address (request.ip: the socket's, or the one TRUST_PROXY's proxies report; IPv6 by /64).
        keyGenerator: (request) => {
            const principal = request.principal;
            if (!principal)
                return `ip:${addressBucket(request.ip)}`;
            return principal.via === 'guest' ? `guest:${principal.userId}` : `user:${principal.userId}`;
        },
        errorResponseBuilder: (_request, context) => ({
            statusCode: 429,
            code: 'rate_limited',
            message: `Too many requests: at most ${context.max} per ${Math.round(windowMs / 1000)} s. Retry in ${Math.ceil(context.ttl / 1000)} s.`,
        }),
    });
}
