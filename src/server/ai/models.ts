import type { Config } from '../config.js';
import { createDemoModel } from './demo-model.js';
import { ModelRegistry } from './model-registry.js';

/** The models configured by the settings. The demo model is always there. */
export function createModelRegistry(config: Pick<Config, 'demoDelayMs' | 'defaultModel'>): ModelRegistry {
  return new ModelRegistry(
    [
      {
        info: {
          id: 'demo',
          provider: 'parley',
          name: 'Demo (built in)',
          contextWindow: null,
          available: true,
        },
        model: createDemoModel({ delayMs: config.demoDelayMs }),
      },
    ],
    config.defaultModel,
  );
}
