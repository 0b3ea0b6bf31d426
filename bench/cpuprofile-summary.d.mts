export interface ProfileRow {
  name: string;
  ms: number;
  percent: number;
}

export interface ProfileSummary {
  totalMs: number;
  busyMs: number;
  selfByFile: ProfileRow[];
  selfByFunction: ProfileRow[];
  inclusive: ProfileRow[];
  longTasks?: {
    thresholdMs: number;
    count: number;
    totalMs: number;
    longestMs: number;
    owners: ProfileRow[];
  };
}

export function summarize(profile: unknown, topN?: number): ProfileSummary;
export function printSummary(summary: ProfileSummary, write?: (text: string) => void): void;
