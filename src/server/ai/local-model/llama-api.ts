// The parts of node-llama-cpp's API Parley uses, typed loosely. node-llama-cpp is not a dependency (its
// platform binaries are ~700 MB): it is imported only when a local model is configured, through a
// specifier in a variable and these small interfaces, so tsc passes without it installed.

export type HistoryItem =
  | { type: 'system'; text: string }
  | { type: 'user'; text: string }
  | { type: 'model'; response: string[] };

export interface ChatWrapperLike {
  generateContextState(options: { chatHistory: HistoryItem[] }): {
    contextText: { tokenize(tokenizer: unknown): unknown[] };
  };
}

export interface ResponseChunk {
  type: 'segment' | undefined;
  text: string;
  segmentEndTime?: Date;
}

export interface LlamaChatLike {
  readonly chatWrapper: ChatWrapperLike;
  generateResponse(
    history: HistoryItem[],
    options: Record<string, unknown> & { onResponseChunk: (chunk: ResponseChunk) => void },
  ): Promise<{ metadata: { stopReason: string } }>;
  dispose(): void;
}

export interface SequenceLike {
  readonly tokenMeter: { readonly usedInputTokens: number; readonly usedOutputTokens: number };
}

export interface LlamaModelLike {
  readonly trainContextSize: number;
  readonly tokenizer: unknown;
  readonly fileInfo: { metadata: { tokenizer?: { chat_template?: unknown } } };
  createContext(options: { contextSize: number; threads: number; sequences: number }): Promise<{
    readonly contextSize: number;
    getSequence(): SequenceLike;
  }>;
  dispose(): Promise<void>;
}

export interface NodeLlamaCpp {
  getLlama(options: Record<string, unknown>): Promise<{
    loadModel(options: { modelPath: string }): Promise<LlamaModelLike>;
  }>;
  LlamaChat: new (options: {
    contextSequence: SequenceLike;
    chatWrapper: 'auto' | ChatWrapperLike;
    autoDisposeSequence: boolean;
  }) => LlamaChatLike;
  TemplateChatWrapper: new (options: TemplateOptions) => ChatWrapperLike;
}

/** A template for models without their own chat template (see PLAIN_TRANSCRIPT in prompt.ts). */
export interface TemplateOptions {
  readonly template: string;
  readonly historyTemplate: { readonly system: string; readonly user: string; readonly model: string };
}

/** A loaded model with its one context sequence. */
export interface Runtime {
  mod: NodeLlamaCpp;
  model: LlamaModelLike;
  sequence: SequenceLike;
  contextSize: number;
  chatWrapper: 'auto' | ChatWrapperLike;
}
