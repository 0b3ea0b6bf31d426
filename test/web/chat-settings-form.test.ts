import { describe, expect, it } from 'vitest';
import { MAX_OUTPUT_TOKENS_LIMIT } from '../../src/shared/api-schemas.js';
import { MAX_IMPORT_BODY_BYTES } from '../../src/shared/export-schemas.js';
import { attachmentName } from '../../src/web/api.js';
import {
  fieldOfError,
  formOf,
  maxTokensLimit,
  patchOf,
} from '../../src/web/components/ChatSettingsDialog.form.js';
import { IMPORT_LIMIT_BYTES, importSummary } from '../../src/web/components/ImportCard.js';
import { conversation } from './hook-harness.js';

// The chat settings dialog's and the import card's logic, apart from the browser.

describe('the chat settings form', () => {
  const saved = conversation('c1', { systemPrompt: 'Be brief.', temperature: 0.7, tools: ['a/b'] });

  it('shows the saved values; empty means the default', () => {
    expect(formOf(saved)).toEqual({
      systemPrompt: 'Be brief.',
      model: 'parley/demo',
      tools: ['a/b'],
      temperature: '0.7',
      maxOutputTokens: '',
    });
  });

  it('sends only what changed; empty text clears to null', () => {
    const form = formOf(saved);
    expect(patchOf(form, saved, 1000)).toEqual({ patch: {} });
    expect(patchOf({ ...form, temperature: '', maxOutputTokens: ' 256 ' }, saved, 1000)).toEqual({
      patch: { temperature: null, maxOutputTokens: 256 },
    });
    expect(patchOf({ ...form, systemPrompt: '   ', tools: [] }, saved, 1000)).toEqual({
      patch: { systemPrompt: null, tools: [] },
    });
    expect(patchOf({ ...form, model: 'openai/gpt-4o', temperature: '0' }, saved, 1000)).toEqual({
      patch: { model: 'openai/gpt-4o', temperature: 0 },
    });
  });

  it('names each bad field and sends nothing', () => {
    const form = formOf(saved);
    for (const temperature of ['-0.1', '2.5', 'warm']) {
      const result = patchOf({ ...form, temperature }, saved, 1000);
      expect(result).toEqual({ errors: { temperature: expect.stringContaining('0 to 2') } });
    }
    for (const maxOutputTokens of ['0', '1001', '12.5', 'lots']) {
      const result = patchOf({ ...form, maxOutputTokens }, saved, 1000);
      expect(result).toEqual({ errors: { maxOutputTokens: expect.stringContaining('1 to 1,000') } });
    }
    expect(patchOf({ ...form, systemPrompt: 'x'.repeat(20_001) }, saved, 1000)).toEqual({
      errors: { systemPrompt: expect.stringContaining('at most 20,000') },
    });
  });

  it('the token limit is the model’s window when it states one, else the API’s cap', () => {
    expect(maxTokensLimit({ contextWindow: 8192 })).toBe(8192);
    expect(maxTokensLimit({ contextWindow: null })).toBe(MAX_OUTPUT_TOKENS_LIMIT);
    expect(maxTokensLimit({ contextWindow: 1_000_000 })).toBe(MAX_OUTPUT_TOKENS_LIMIT);
    expect(maxTokensLimit(undefined)).toBe(MAX_OUTPUT_TOKENS_LIMIT);
  });

  it('puts a server refusal under the field it names', () => {
    expect(fieldOfError('Invalid request: body/temperature must be <= 2.', 'validation_error')).toBe(
      'temperature',
    );
    expect(fieldOfError('Invalid request: body/maxOutputTokens must be <= 8192.', 'validation_error')).toBe(
      'maxOutputTokens',
    );
    expect(fieldOfError('There is no tool "x/y" you may use.', 'unknown_tool')).toBe('tools');
    expect(fieldOfError('Unknown model "gpt-9".', 'unknown_model')).toBe('model');
    expect(fieldOfError('The server cannot be reached.', 'network_error')).toBe('form');
  });
});

describe('export and import in the browser', () => {
  it('names a download as the server does, the UTF-8 name first', () => {
    expect(attachmentName(`attachment; filename="Tea.md"; filename*=UTF-8''Th%C3%A9.md`, 'x.md')).toBe(
      'Thé.md',
    );
    expect(attachmentName('attachment; filename="Tea.json"', 'x.json')).toBe('Tea.json');
    expect(attachmentName(null, 'conversation.md')).toBe('conversation.md');
  });

  it('sums up an import, and refuses files over the server’s own limit', () => {
    expect(
      importSummary({
        imported: [
          { id: 'a', title: 'A', messages: 1 },
          { id: 'b', title: null, messages: 339 },
        ],
      }),
    ).toBe('Imported 2 conversations, 340 messages.');
    expect(importSummary({ imported: [{ id: 'a', title: 'A', messages: 1 }] })).toBe(
      'Imported 1 conversation, 1 message.',
    );
    expect(IMPORT_LIMIT_BYTES).toBe(MAX_IMPORT_BODY_BYTES);
  });
});
