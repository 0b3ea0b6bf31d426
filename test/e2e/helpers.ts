import type { Locator, Page } from 'playwright-core';

/** Small waits and lookups shared by the browser tests. */

export async function poll<T>(
  probe: () => Promise<T>,
  ok: (value: T) => boolean,
  what: string,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await probe();
    if (ok(last)) return last;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(last)})`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export const composer = (page: Page) => page.getByRole('textbox', { name: 'Message', exact: true });
export const assistants = (page: Page) => page.locator('article.msg-assistant');
export const users = (page: Page) => page.locator('article.msg-user');
export const lastAssistant = (page: Page) => assistants(page).last();

export async function statusOf(message: Locator): Promise<string | null> {
  return message.getAttribute('data-status');
}

export async function waitForStatus(message: Locator, status: string, timeoutMs = 30_000): Promise<void> {
  await poll(
    () => statusOf(message),
    (value) => value === status,
    `status ${status}`,
    timeoutMs,
  );
}

export async function textLength(message: Locator): Promise<number> {
  return ((await message.locator('.msg-content').textContent()) ?? '').length;
}

export function conversationIdOf(page: Page): string {
  const match = /\/c\/([^/?#]+)/.exec(page.url());
  if (!match?.[1]) throw new Error(`not on a conversation page: ${page.url()}`);
  return decodeURIComponent(match[1]);
}

export interface ApiMessage {
  id: string;
  parentId: string | null;
  role: string;
  content: string;
  status: string;
}

/** Through the page's own context, so the session cookie is sent. */
export async function storedMessages(page: Page, conversationId: string): Promise<ApiMessage[]> {
  const res = await page.request.get(`/api/conversations/${conversationId}/messages?limit=200`);
  return ((await res.json()) as { items: ApiMessage[] }).items;
}

/** The message's raw text, as its Copy button puts it on the clipboard. */
export async function copiedText(page: Page, message: Locator): Promise<string> {
  await message.hover();
  await message.getByRole('button', { name: 'Copy message' }).click();
  return page.evaluate(() => navigator.clipboard.readText());
}
