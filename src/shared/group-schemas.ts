import { type Static, Type } from 'typebox';

/**
 * Groups of users (admins only): a shared token quota and the models and tools members may use.
 * null fields set nothing: no group quota, every model, every tool the member's role allows.
 */

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);

/** At most this many models or tools a group lists. */
export const MAX_GROUP_LIST = 200;

const Quota = Nullable(
  Type.Integer({ minimum: 0, description: 'Tokens per UTC window shared by the members; 0: no limit' }),
);
const IdList = (description: string) =>
  Nullable(
    Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { maxItems: MAX_GROUP_LIST, description }),
  );

const groupFields = {
  name: Type.String({ minLength: 1, maxLength: 100, description: 'Unique, case-insensitively' }),
  tokenQuotaDaily: Quota,
  tokenQuotaMonthly: Quota,
  models: IdList('Model ids members may use (null: every model)'),
  tools: IdList('Tool ids `<server>/<tool>` members may use (null: every tool their role allows)'),
};

export const Group = Type.Object({
  id: Type.String(),
  ...groupFields,
  memberCount: Type.Integer(),
  createdAt: Type.String(),
  /** The current members' tokens today and this month (UTC): what the shared quota is held against. */
  usage: Type.Object({ day: Type.Integer(), month: Type.Integer() }),
});
export type GroupDto = Static<typeof Group>;

export const GroupList = Type.Object({ items: Type.Array(Group) });

export const CreateGroupBody = Type.Object(
  {
    name: groupFields.name,
    tokenQuotaDaily: Type.Optional(Quota),
    tokenQuotaMonthly: Type.Optional(Quota),
    models: Type.Optional(groupFields.models),
    tools: Type.Optional(groupFields.tools),
  },
  { additionalProperties: false },
);
export type CreateGroupBodyDto = Static<typeof CreateGroupBody>;

export const GroupPatch = Type.Object(
  {
    name: Type.Optional(groupFields.name),
    tokenQuotaDaily: Type.Optional(Quota),
    tokenQuotaMonthly: Type.Optional(Quota),
    models: Type.Optional(groupFields.models),
    tools: Type.Optional(groupFields.tools),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type GroupPatchDto = Static<typeof GroupPatch>;

export const GroupMember = Type.Object({
  userId: Type.String(),
  username: Type.String(),
  displayName: Type.String(),
  /** `admin`: added in the console; `oidc`: from the provider's groups claim (follows it at each sign-in). */
  source: Type.Union([Type.Literal('admin'), Type.Literal('oidc')]),
  addedAt: Type.String(),
});

export const GroupMemberList = Type.Object({ items: Type.Array(GroupMember) });

export const GroupMemberParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 64 }),
  userId: Type.String({ minLength: 1, maxLength: 64 }),
});

/** A group as the admin's user list names it. */
export const GroupRef = Type.Object({ id: Type.String(), name: Type.String() });
