import { existsSync } from 'node:fs';
import { ConfigError } from '../../config.js';
import { ggufContextLength } from '../local-model/gguf.js';
import { createLocalModel } from '../local-model/language-model.js';
import { DEFAULT_CONTEXT, localModelId, localRuntimeProblem, missingFileMessage, } from '../local-model/runtime.js';
/**
 * The local model for the registry. Fails startup with one line when the file or node-llama-cpp is
 * missing, or the file is not GGUF; the model itself loads on the first message.
 */
export function registerLocalModel(config, logger) {
    const modelPath = config.localModelPath;
    if (!modelPath)
        throw new ConfigError('LOCAL_MODEL_PATH is not set.');
    if (!existsSync(modelPath))
        throw new ConfigError(missingFileMessage(modelPath));
    const trainContext = ggufContextLength(modelPath);
    if (trainContext === null) {
        throw new ConfigError(`Invalid setting LOCAL_MODEL_PATH=${JSON.stringify(modelPath)}: not a GGUF file (it does not start with "GGUF").`);
    }
    const problem = localRuntimeProblem();
    if (problem)
        throw new ConfigError(problem);
    const id = localModelId(modelPath);
    return {
        info: {
            id,
            provider: 'local',
            name: `${id.slice('local/'.length)} (local)`,
            contextWindow: Math.min(DEFAULT_CONTEXT, trainContext ?? DEFAULT_CONTEXT),
            input: ['text'],
            available: true,
        },
        model: createLocalModel({ path: modelPath, threads: config.localModelThreads, logger }),
    };
}
/** LOCAL_MODEL_PATH: one model, named after its file. */
export const createLocalModels = ({ config, logger }) => ({
    models: [registerLocalModel(config, logger)],
});
