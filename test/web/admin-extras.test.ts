import { describe, expect, it } from 'vitest';
import { modelHistoryUrl } from '../../src/web/admin/extras-api.js';
import {
  bucketLabel,
  bucketTimes,
  historySeries,
  timeLabel,
} from '../../src/web/admin/model-history-data.js';
import { inviteFromUrl, inviteLink, withoutInvite } from '../../src/web/invite-link.js';

// The console extras' pure parts: the model history's chart series, its labels and URL, and
// invite links (made in the console, read on the sign-up form).

const item = (model: string, at: string, requests: number, errors: number, ttftMsP50: number | null) => ({
  model,
  at,
  requests,
  errors,
  errorRate: requests > 0 ? errors / requests : null,
  ttftMsP50,
});

describe('model history: chart series', () => {
  it('has every hour of the range, one line per model, gaps where a model had no calls', () => {
    const range = { from: '2026-03-01', to: '2026-03-02', bucket: 'hour' as const };
    const series = historySeries(
      [
        item('alpha', '2026-03-01T09:00:00.000Z', 3, 1, 200),
        item('beta', '2026-03-01T10:00:00.000Z', 10, 0, null),
        item('alpha', '2026-03-02T23:00:00.000Z', 1, 0, 40),
      ],
      range,
      Date.parse('2026-03-03T00:00:00Z'),
    );
    expect(series.times).toHaveLength(48);
    expect(series.times[0]).toBe(Date.parse('2026-03-01T00:00:00Z') / 1000);
    expect(series.times[47]).toBe(Date.parse('2026-03-02T23:00:00Z') / 1000);
    // The busiest model first (its colour comes first).
    expect(series.models).toEqual(['beta', 'alpha']);
    const alpha = 1;
    expect(series.ttft[alpha]?.[9]).toBe(200);
    expect(series.ttft[alpha]?.[47]).toBe(40);
    expect(series.ttft[alpha]?.filter((v) => v !== null)).toHaveLength(2);
    // Error rates are percentages; a bucket with calls but no first token has a rate, not a time.
    expect(series.errorRate[alpha]?.[9]).toBeCloseTo(100 / 3);
    expect(series.errorRate[0]?.[10]).toBe(0);
    expect(series.ttft[0]?.[10]).toBeNull();
    expect(series.hidden).toBe(0);
  });

  it('day buckets cover the range’s days; more than 8 models leave the rest to the table', () => {
    const models = Array.from({ length: 10 }, (_, i) => `m${i}`);
    const series = historySeries(
      models.map((model, i) => item(model, '2026-03-05T00:00:00.000Z', 100 - i, 0, 10)),
      { from: '2026-03-01', to: '2026-03-30', bucket: 'day' },
      Date.parse('2026-04-01T00:00:00Z'),
    );
    expect(series.times).toHaveLength(30);
    expect(series.models).toEqual(models.slice(0, 8));
    expect(series.hidden).toBe(2);
    expect(series.ttft.every((line) => line[4] === 10)).toBe(true);
  });

  it('ignores items outside the range, and an empty answer has no lines', () => {
    const series = historySeries([item('alpha', '2026-04-01T00:00:00.000Z', 1, 0, 5)], {
      from: '2026-03-01',
      to: '2026-03-01',
      bucket: 'day',
    });
    expect(series.ttft[0]).toEqual([null]);
    expect(historySeries([], { from: '2026-03-01', to: '2026-03-02', bucket: 'hour' }).models).toEqual([]);
  });

  it('bounds the points (31 days of hours) and labels the axis in UTC', () => {
    const later = Date.parse('2027-01-01T00:00:00Z');
    expect(bucketTimes('2026-01-01', '2026-01-31', 'hour', later)).toHaveLength(744);
    expect(bucketTimes('2026-01-01', '2026-12-31', 'hour', later).length).toBeLessThanOrEqual(2 * 744);
    // Today's hours to come are not drawn: the axis ends at the current hour.
    const now = Date.parse('2026-03-02T09:30:00Z');
    const today = bucketTimes('2026-03-01', '2026-03-02', 'hour', now);
    expect(today).toHaveLength(24 + 10);
    expect(today.at(-1)).toBe(Date.parse('2026-03-02T09:00:00Z') / 1000);
    expect(bucketTimes('2026-03-01', '2026-03-02', 'day', now)).toHaveLength(2);
    const nine = Date.parse('2026-03-01T09:00:00Z') / 1000;
    expect(timeLabel(nine, 'hour')).toBe('09:00');
    expect(timeLabel(Date.parse('2026-03-01T00:00:00Z') / 1000, 'hour')).toBe('Mar 1');
    expect(timeLabel(nine, 'day')).toBe('Mar 1');
    expect(bucketLabel('2026-03-01T09:00:00.000Z', 'hour')).toBe('Mar 1, 09:00');
    expect(bucketLabel('2026-03-01T00:00:00.000Z', 'day')).toBe('Mar 1');
  });

  it('asks the server for the same range as JSON and as CSV', () => {
    const query = { from: '2026-03-01', to: '2026-03-02', bucket: 'hour' as const };
    expect(modelHistoryUrl(query)).toBe(
      '/api/admin/models/history?from=2026-03-01&to=2026-03-02&bucket=hour',
    );
    expect(modelHistoryUrl(query, 'csv')).toBe(
      '/api/admin/models/history?from=2026-03-01&to=2026-03-02&bucket=hour&format=csv',
    );
  });
});

describe('invite links', () => {
  it('the console’s link carries the code; the sign-up form reads it back', () => {
    const link = inviteLink('https://chat.example.com', 'inv_a+b/c=');
    expect(link).toBe('https://chat.example.com/signup?invite=inv_a%2Bb%2Fc%3D');
    const url = new URL(link);
    expect(inviteFromUrl(url)).toBe('inv_a+b/c=');
  });

  it('only on /signup, and the address without the code keeps the rest', () => {
    expect(inviteFromUrl({ pathname: '/login', search: '?invite=inv_x' })).toBeNull();
    expect(inviteFromUrl({ pathname: '/signup', search: '?invite=' })).toBeNull();
    expect(inviteFromUrl({ pathname: '/signup', search: '' })).toBeNull();
    expect(inviteFromUrl({ pathname: '/signup', search: `?invite=${'x'.repeat(500)}` })).toHaveLength(200);
    expect(withoutInvite('https://chat.example.com/signup?invite=inv_x&lang=en#top')).toBe(
      '/signup?lang=en#top',
    );
    expect(withoutInvite('https://chat.example.com/signup?invite=inv_x')).toBe('/signup');
  });
});
