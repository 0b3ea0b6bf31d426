import type { AdminGroup, GroupInput } from './admin-api.js';
import { parseQuota } from './use-admin-users.js';

/**
 * The group editor's form as plain data, and what it sends: tested without a browser. Quotas are
 * text (blank: no group quota); models and tools are "every one" (null to the API) or a picked list.
 */

export interface GroupDraft {
  name: string;
  daily: string;
  monthly: string;
  allModels: boolean;
  models: string[];
  allTools: boolean;
  tools: string[];
}

export type DraftErrors = Partial<Record<'name' | 'daily' | 'monthly' | 'models', string>>;

const text = (value: number | null) => (value === null ? '' : String(value));

/** A new group's blank form, or an existing group's values. */
export function draftOf(group?: AdminGroup): GroupDraft {
  return {
    name: group?.name ?? '',
    daily: text(group?.tokenQuotaDaily ?? null),
    monthly: text(group?.tokenQuotaMonthly ?? null),
    allModels: (group?.models ?? null) === null,
    models: group?.models ?? [],
    allTools: (group?.tools ?? null) === null,
    tools: group?.tools ?? [],
  };
}

/** Adds or removes one id, keeping the list's order and listing nobody twice. */
export function toggle(list: readonly string[], id: string, on: boolean): string[] {
  const without = list.filter((item) => item !== id);
  return on ? [...without, id] : without;
}

/** The form as the API's body, or what to fix (each message says how). */
export function parseDraft(
  draft: GroupDraft,
): { ok: true; input: GroupInput } | { ok: false; errors: DraftErrors } {
  const errors: DraftErrors = {};
  const name = draft.name.trim();
  if (name.length === 0) errors.name = 'Give the group a name.';
  else if (name.length > 100) errors.name = 'Use at most 100 characters.';
  const daily = parseQuota(draft.daily);
  const monthly = parseQuota(draft.monthly);
  const wholeNumber = 'Enter a whole number of tokens, or leave it blank.';
  if (daily === undefined) errors.daily = wholeNumber;
  if (monthly === undefined) errors.monthly = wholeNumber;
  // An empty list would let its members use no model at all (unless another group allows one).
  if (!draft.allModels && draft.models.length === 0)
    errors.models = 'Pick at least one model, or allow every model.';
  if (Object.keys(errors).length > 0 || daily === undefined || monthly === undefined)
    return { ok: false, errors };
  return {
    ok: true,
    input: {
      name,
      tokenQuotaDaily: daily,
      tokenQuotaMonthly: monthly,
      models: draft.allModels ? null : [...new Set(draft.models)],
      tools: draft.allTools ? null : [...new Set(draft.tools)],
    },
  };
}

const sameList = (a: string[] | null, b: string[] | null) =>
  a === null || b === null
    ? a === b
    : a.length === b.length && [...a].sort().join('\n') === [...b].sort().join('\n');

/** Only what changed, for the PATCH (an edit that changes nothing sends an empty body: nothing to save). */
export function changesOf(group: AdminGroup, input: GroupInput): Partial<GroupInput> {
  const out: Partial<GroupInput> = {};
  if (input.name !== group.name) out.name = input.name;
  if (input.tokenQuotaDaily !== group.tokenQuotaDaily) out.tokenQuotaDaily = input.tokenQuotaDaily;
  if (input.tokenQuotaMonthly !== group.tokenQuotaMonthly) out.tokenQuotaMonthly = input.tokenQuotaMonthly;
  if (!sameList(input.models, group.models)) out.models = input.models;
  if (!sameList(input.tools, group.tools)) out.tools = input.tools;
  return out;
}

/** The list's one-line summary of what a group allows: "every model" or "2 models: a, b". */
export function allowedText(list: string[] | null, noun: 'model' | 'tool'): string {
  if (list === null) return `every ${noun}`;
  if (list.length === 0) return `no ${noun}s`;
  const names =
    list.length <= 3 ? list.join(', ') : `${list.slice(0, 3).join(', ')} and ${list.length - 3} more`;
  return `${list.length} ${noun}${list.length === 1 ? '' : 's'}: ${names}`;
}
