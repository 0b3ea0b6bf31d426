import type { Logger } from 'pino';
import type { CreateGroupBodyDto, GroupDto, GroupPatchDto } from '../../shared/group-schemas.js';
import { AppError, notFound } from '../errors.js';
import { newId } from '../ids.js';
import type { Group, GroupValues } from '../store/groups-repo.js';
import type { Data } from '../store/repositories.js';
import type { AuditEntry, AuditType } from './audit-log.js';

/** The admin's list shows at most this many groups, by name. */
export const MAX_GROUPS = 500;
/** A group's member list shows at most this many, by username. */
export const MAX_LISTED_MEMBERS = 1000;

export interface GroupsServiceDeps {
  store: Data;
  /** Model ids a group may name: those this server offers. */
  models: { has(id: string): boolean };
  /** Tool ids a group may name: those of a configured MCP server (any role). */
  tools?: { isKnownTool(id: string): boolean };
  /** The stored audit log. */
  audit: { record(type: AuditType, entry: AuditEntry): Promise<void> };
  logger: Logger;
}

export interface GroupMemberDto {
  userId: string;
  username: string;
  displayName: string;
  source: 'admin' | 'oidc';
  addedAt: string;
}

const unique = (ids: readonly string[]) => [...new Set(ids)];

/**
 * Groups for the admin: create, change, delete, and who is in them. What a group means for its
 * members (shared quota, allowed models and tools) is group-limits.ts; the provider's groups claim
 * keeping `oidc` memberships in step is group-sync.ts.
 */
export class GroupsService {
  constructor(private readonly deps: GroupsServiceDeps) {}

  private get repos() {
    return this.deps.store.repos;
  }

  /** Groups as the API shows them: with their member counts and the members' usage now. */
  private async dtos(groups: Group[]): Promise<GroupDto[]> {
    const ids = groups.map((group) => group.id);
    const [counts, usage] = await Promise.all([
      this.repos.groups.memberCounts(ids),
      this.repos.groups.groupTokenUsage(ids, new Date()),
    ]);
    return groups.map((group) => ({
      id: group.id,
      name: group.name,
      tokenQuotaDaily: group.token_quota_daily,
      tokenQuotaMonthly: group.token_quota_monthly,
      models: group.models,
      tools: group.tools,
      memberCount: counts.get(group.id) ?? 0,
      createdAt: group.created_at,
      usage: usage.get(group.id) ?? { day: 0, month: 0 },
    }));
  }

  private async dto(group: Group): Promise<GroupDto> {
    return (await this.dtos([group]))[0] as GroupDto;
  }

  private async requireGroup(id: string): Promise<Group> {
    const group = await this.repos.groups.findGroup(id);
    if (!group) throw notFound('Group');
    return group;
  }

  async list(): Promise<{ items: GroupDto[] }> {
    return { items: await this.dtos(await this.repos.groups.listGroups(MAX_GROUPS)) };
  }

  /** The body's fields as stored values, checked: a free name, known models and tools. */
  private async values(input: GroupPatchDto, self?: string): Promise<GroupValues> {
    const values: GroupValues = {};
    if (input.name !== undefined) {
      const name = input.name.trim();
      if (name === '') throw new AppError('validation_error', 'A group needs a name.');
      const clash = await this.repos.groups.findGroupByName(name);
      if (clash && clash.id !== self) {
        throw new AppError('conflict', `There is already a group named "${clash.name}".`);
      }
      values.name = name;
    }
    if (input.tokenQuotaDaily !== undefined) values.token_quota_daily = input.tokenQuotaDaily;
    if (input.tokenQuotaMonthly !== undefined) values.token_quota_monthly = input.tokenQuotaMonthly;
    if (input.models !== undefined) {
      for (const model of input.models ?? []) {
        if (!this.deps.models.has(model)) {
          throw new AppError('unknown_model', `The model "${model}" is not configured on this server.`);
        }
      }
      values.models = input.models && unique(input.models);
    }
    if (input.tools !== undefined) {
      for (const tool of input.tools ?? []) {
        if (!this.deps.tools?.isKnownTool(tool)) {
          throw new AppError(
            'unknown_tool',
            `There is no tool "${tool}" on this server: GET /api/tools lists them.`,
          );
        }
      }
      values.tools = input.tools && unique(input.tools);
    }
    return values;
  }

  private async record(type: AuditType, adminId: string, group: Group, ip?: string, userId?: string) {
    this.deps.logger.info(
      { audit: type.replace(/^group-/, 'group.'), adminId, groupId: group.id, userId },
      `audit: ${type}`,
    );
    await this.deps.audit.record(type, {
      actorId: adminId,
      targetId: group.id,
      ip,
      detail: { name: group.name, ...(userId ? { userId } : {}) },
    });
  }

  async create(adminId: string, input: CreateGroupBodyDto, ip?: string): Promise<GroupDto> {
    const values = await this.values(input);
    const id = newId();
    await this.repos.groups
      .insertGroup({ id, name: values.name ?? input.name, created_at: new Date().toISOString(), ...values })
      .catch(async (error: unknown) => {
        // Created in parallel with the same name: the unique index refused the second.
        if (await this.repos.groups.findGroupByName(values.name ?? input.name)) {
          throw new AppError('conflict', `There is already a group named "${values.name}".`);
        }
        throw error;
      });
    const group = await this.requireGroup(id);
    await this.record('group-created', adminId, group, ip);
    return this.dto(group);
  }

  async update(adminId: string, id: string, patch: GroupPatchDto, ip?: string): Promise<GroupDto> {
    await this.requireGroup(id);
    const values = await this.values(patch, id);
    await this.repos.groups.updateGroup(id, values).catch(async (error: unknown) => {
      const clash = values.name ? await this.repos.groups.findGroupByName(values.name) : undefined;
      if (clash && clash.id !== id)
        throw new AppError('conflict', `There is already a group named "${values.name}".`);
      throw error;
    });
    const group = await this.requireGroup(id);
    await this.record('group-updated', adminId, group, ip);
    return this.dto(group);
  }

  async remove(adminId: string, id: string, ip?: string): Promise<void> {
    const group = await this.requireGroup(id);
    if (!(await this.repos.groups.deleteGroup(id))) throw notFound('Group');
    await this.record('group-deleted', adminId, group, ip);
  }

  async members(id: string): Promise<{ items: GroupMemberDto[] }> {
    await this.requireGroup(id);
    const rows = await this.repos.groups.listMembers(id, MAX_LISTED_MEMBERS);
    return {
      items: rows.map((row) => ({
        userId: row.user_id,
        username: row.username,
        displayName: row.display_name,
        source: row.source,
        addedAt: row.created_at,
      })),
    };
  }

  /** Idempotent; a membership from the provider's claim becomes the admin's (SSO leaves it then). */
  async addMember(adminId: string, id: string, userId: string, ip?: string): Promise<void> {
    const group = await this.requireGroup(id);
    const user = await this.repos.users.findUser(userId);
    // People's accounts only: the built-in local and guest users are nobody's to group.
    if (!user?.password_hash) throw notFound('User');
    const added = await this.repos.groups.upsertMembership(id, userId, 'admin', new Date().toISOString());
    if (added) await this.record('group-member-added', adminId, group, ip, userId);
  }

  async removeMember(adminId: string, id: string, userId: string, ip?: string): Promise<void> {
    const group = await this.requireGroup(id);
    if (!(await this.repos.groups.deleteMembership(id, userId))) throw notFound('Membership');
    await this.record('group-member-removed', adminId, group, ip, userId);
  }
}
