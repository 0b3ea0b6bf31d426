import { readFile } from 'node:fs/promises';
import path from 'node:path';
import YAML from 'yaml';
import { ConfigError } from './config.js';

/**
 * Settings that name a file of their own (MODELS_FILE, MCP_FILE): YAML or JSON, read once at
 * start, and every problem reported as one line naming the setting, the file and the field.
 */

/** A problem with the file's content, before the setting's name is put in front of it. */
export class SettingsProblem extends Error {}

/** A JSON pointer as the file's own field names: `/servers/0/env/X` → `servers[0].env.X`. */
export function fieldPath(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((out, part) => (/^\d+$/.test(part) ? `${out}[${part}]` : out ? `${out}.${part}` : part), '');
}

/** The file's value: JSON for `.json` (or text starting with `{` and no YAML extension), else YAML. */
export function parseSettingsText(text: string, filePath: string): unknown {
  const ext = path.extname(filePath).toLowerCase();
  const json = ext === '.json' || (ext !== '.yaml' && ext !== '.yml' && /^\s*\{/.test(text));
  try {
    return json ? JSON.parse(text) : YAML.parse(text);
  } catch (error) {
    // The yaml package follows its first line with a code frame; the first line is the message.
    const detail = (error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error)).replace(
      /:$/,
      '',
    );
    throw new SettingsProblem(`not valid ${json ? 'JSON' : 'YAML'} (${detail})`);
  }
}

function fail(setting: string, filePath: string, problem: string): never {
  throw new ConfigError(
    `Invalid setting ${setting}=${JSON.stringify(filePath)}: ${problem.replace(/\s*\n\s*/g, ' ')}.`,
  );
}

/** Run a check of the file's content; a SettingsProblem becomes the one-line ConfigError. */
export function checkSettingsFile<T>(setting: string, filePath: string, check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (error instanceof SettingsProblem) fail(setting, filePath, error.message);
    throw error;
  }
}

/** The file's text, or the one-line ConfigError when it is missing or unreadable. */
export async function readSettingsFile(setting: string, filePath: string): Promise<string> {
  try {
    return await readFile(filePath, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    fail(setting, filePath, code === 'ENOENT' ? 'no such file' : `cannot be read (${code ?? String(error)})`);
  }
}
