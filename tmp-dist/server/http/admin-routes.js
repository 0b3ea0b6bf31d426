import { ErrorSchema, IdParams, PageQuery } from '../../shared/api-schemas.js';
import { AdminUserPage, AdminUserPatch, Invite, ResetLink, User } from '../../shared/auth-schemas.js';
const errors = { 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema };
export function adminRoutes({ accounts, config }) {
    return async (app) => {
        app.get('/api/admin/users', {
            config: { access: 'admin' },
            schema: { querystring: PageQuery, response: { 200: AdminUserPage, ...errors } },
        }, async (request) => accounts.listUsers(request.query.limit ?? 50, request.query.cursor));
        app.patch('/api/admin/users/:id', {
            config: { access: 'admin' },
            schema: { params: IdParams, body: AdminUserPatch, response: { 200: User, ...errors } },
        }, async (request) => accounts.updateUser(request.userId, request.params.id, request.body));
        app.post('/api/admin/invites', { config: { access: 'admin' }, schema: { response: { 201: Invite, ...errors } } }, async (request, reply) => reply.code(201).send(await accounts.createInvite(request.userId)));
        // The link points at PUBLIC_URL when set, else at the address the admin is using.
        app.post('/api/admin/users/:id/reset-link', {
            config: { access: 'admin' },
            schema: { params: IdParams, response: { 201: ResetLink, ...errors } },
        }, async (request, reply) => {
            const origin = config.publicUrl ?? `${request.protocol}://${request.host}`;
            return reply
                .code(201)
                .send(await accounts.createResetLink(request.userId, request.params.id, origin));
        });
    };
}
