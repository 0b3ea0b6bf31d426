import type { Page } from 'playwright-core';
import { poll } from './helpers.js';

/** The model picker as a user drives it: its button, its menu's options, a pick. */

export const modelButton = (page: Page) => page.getByRole('button', { name: /^Model: / });

/** The chosen model's id (the button's `data-value`). */
export const chosenModel = (page: Page) => modelButton(page).getAttribute('data-value');

/** Opens the menu and clicks the model `id`; resolves once the button shows it chosen. */
export async function pickModel(page: Page, id: string): Promise<void> {
  await modelButton(page).click();
  await page.locator(`[role="option"][data-model-id="${id}"]`).click();
  await poll(
    () => chosenModel(page),
    (value) => value === id,
    `model ${id} chosen`,
  );
}

/** The names the menu lists, in order (the menu is closed again with Esc). */
export async function listedModels(page: Page): Promise<string[]> {
  await modelButton(page).click();
  const names = await page.locator('[role="option"] .model-option-name').allTextContents();
  await page.keyboard.press('Escape');
  return names;
}
