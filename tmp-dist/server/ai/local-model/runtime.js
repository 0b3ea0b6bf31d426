import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { PLAIN_TRANSCRIPT } from './prompt.js';
// Finding and loading node-llama-cpp and the GGUF file (LOCAL_MODEL_PATH), with bounded threads.
const RUNTIME = 'node-llama-cpp';
const INSTALL_HINT = 'run "npm install node-llama-cpp" (or "bash .ci/install-local-model-runtime.sh" for the CPU build only, ~85 MB)';
/** The context size used unless asked otherwise (and never above what the model was trained with). */
export const DEFAULT_CONTEXT = 2048;
/** `local/<file name without .gguf>`: the id the local model has in Parley. */
export function localModelId(modelPath) {
    return `local/${path.basename(modelPath).replace(/\.gguf$/i, '')}`;
}
export function missingFileMessage(modelPath) {
    return `Invalid setting LOCAL_MODEL_PATH=${JSON.stringify(modelPath)}: no such file; download a GGUF model with "npm run model:pull -- <url or hf id>".`;
}
/** Why the runtime is missing, or undefined when node-llama-cpp resolves (resolving loads nothing). */
export function localRuntimeProblem() {
    try {
        createRequire(import.meta.url).resolve(RUNTIME);
        return undefined;
    }
    catch {
        return `LOCAL_MODEL_PATH is set, but node-llama-cpp is not installed: ${INSTALL_HINT}.`;
    }
}
// Never more threads than cores minus one: the server's own thread must keep a core, and llama.cpp
// threads fighting for a busy core run hundreds of times slower (seen on the 2-core machines).
export function boundedThreads(threads) {
    return Math.max(1, Math.min(Math.floor(threads), availableParallelism() - 1));
}
export async function loadRuntime(options, threads) {
    const { path: modelPath, logger } = options;
    if (!existsSync(modelPath))
        throw new Error(missingFileMessage(modelPath));
    const started = performance.now();
    let mod;
    try {
        mod = (await import(RUNTIME));
    }
    catch (error) {
        const code = error.code;
        if (code === 'ERR_MODULE_NOT_FOUND')
            throw new Error(localRuntimeProblem() ?? String(error));
        throw new Error(`LOCAL_MODEL_PATH is set, but node-llama-cpp failed to load: ${error.message}`);
    }
    // CPU build only, and never a download or a source build at run time: the prebuilt binary or a clear error.
    const llama = await mod.getLlama({
        gpu: false,
        build: 'never',
        skipDownload: true,
        progressLogs: false,
        maxThreads: threads,
        logLevel: 'warn',
        logger: (level, message) => {
            const text = message.trim();
            if (text)
                logger?.[level === 'error' || level === 'fatal' ? 'error' : 'warn']({ llama: level }, text);
        },
    });
    let model;
    try {
        model = await llama.loadModel({ modelPath });
    }
    catch (error) {
        throw new Error(`LOCAL_MODEL_PATH=${JSON.stringify(modelPath)} is not a model node-llama-cpp can load: ${error.message}`);
    }
    const wanted = Math.min(options.contextSize ?? DEFAULT_CONTEXT, model.trainContextSize || DEFAULT_CONTEXT);
    // One sequence: requests take turns (TurnQueue), which keeps memory flat and lets a follow-up
    // message reuse the evaluated prefix of the same conversation.
    let context;
    try {
        context = await model.createContext({ contextSize: wanted, threads, sequences: 1 });
    }
    catch (error) {
        await model.dispose();
        throw new Error(`LOCAL_MODEL_PATH=${JSON.stringify(modelPath)}: no room for a ${wanted}-token context: ${error.message}`);
    }
    const hasTemplate = typeof model.fileInfo.metadata.tokenizer?.chat_template === 'string';
    logger?.info({
        path: modelPath,
        contextSize: context.contextSize,
        threads,
        ms: Math.round(performance.now() - started),
    }, 'local model loaded');
    return {
        mod,
        model,
        sequence: context.getSequence(),
        contextSize: context.contextSize,
        chatWrapper: hasTemplate ? 'auto' : new mod.TemplateChatWrapper(PLAIN_TRANSCRIPT),
    };
}
