import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

// A tiny random-weight llama model in GGUF, written from the public GGUF spec (version 3), so the
// local-model path can be tested for real without downloading weights. Its output is gibberish,
// but it loads in milliseconds, tokenizes, evaluates and samples exactly like a real model.
// Run it: `node --import tsx test/helpers/tiny-gguf.ts <out.gguf>`.

export interface TinyGgufOptions {
  seed?: number;
  contextLength?: number;
}

const ALIGNMENT = 32;
const EMBEDDING = 64;
const FEED_FORWARD = 128;
const HEADS = 4;
const HEADS_KV = 2;
const LAYERS = 2;

// GGUF metadata value types and the ggml tensor type used here.
const UINT32 = 4;
const INT32 = 5;
const FLOAT32 = 6;
const STRING = 8;
const ARRAY = 9;
const GGML_F32 = 0;

// llama.cpp token types.
const TOKEN_NORMAL = 1;
const TOKEN_UNKNOWN = 2;
const TOKEN_CONTROL = 3;
const TOKEN_BYTE = 6;

type Value =
  | { type: typeof UINT32 | typeof INT32 | typeof FLOAT32; value: number }
  | { type: typeof STRING; value: string }
  | {
      type: typeof ARRAY;
      itemType: typeof INT32 | typeof FLOAT32 | typeof STRING;
      values: (number | string)[];
    };

/** Appends little-endian values to a growing list of chunks. */
class Writer {
  private readonly chunks: Buffer[] = [];
  length = 0;

  bytes(data: Buffer): void {
    this.chunks.push(data);
    this.length += data.length;
  }
  u32(value: number): void {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(value);
    this.bytes(b);
  }
  i32(value: number): void {
    const b = Buffer.alloc(4);
    b.writeInt32LE(value);
    this.bytes(b);
  }
  f32(value: number): void {
    const b = Buffer.alloc(4);
    b.writeFloatLE(value);
    this.bytes(b);
  }
  u64(value: number): void {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(value));
    this.bytes(b);
  }
  string(value: string): void {
    const data = Buffer.from(value, 'utf8');
    this.u64(data.length);
    this.bytes(data);
  }
  padTo(alignment: number): void {
    const pad = (alignment - (this.length % alignment)) % alignment;
    if (pad > 0) this.bytes(Buffer.alloc(pad));
  }
  scalar(type: number, value: number | string): void {
    if (type === STRING) this.string(String(value));
    else if (type === UINT32) this.u32(Number(value));
    else if (type === INT32) this.i32(Number(value));
    else this.f32(Number(value));
  }
  value(v: Value): void {
    this.u32(v.type);
    if (v.type === ARRAY) {
      this.u32(v.itemType);
      this.u64(v.values.length);
      for (const item of v.values) this.scalar(v.itemType, item);
    } else {
      this.scalar(v.type, v.value);
    }
  }
  toBuffer(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

// mulberry32: a tiny seeded PRNG, so the same seed always gives the same weights and replies.
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** <unk> <s> </s>, the 256 byte tokens, then "▁" (SentencePiece's space) and printable ASCII. */
function vocabulary(): { tokens: string[]; types: number[] } {
  const tokens = ['<unk>', '<s>', '</s>'];
  const types = [TOKEN_UNKNOWN, TOKEN_CONTROL, TOKEN_CONTROL];
  for (let byte = 0; byte < 256; byte++) {
    tokens.push(`<0x${byte.toString(16).toUpperCase().padStart(2, '0')}>`);
    types.push(TOKEN_BYTE);
  }
  tokens.push('\u2581');
  types.push(TOKEN_NORMAL);
  for (let code = 0x21; code < 0x7f; code++) {
    tokens.push(String.fromCharCode(code));
    types.push(TOKEN_NORMAL);
  }
  return { tokens, types };
}

interface Tensor {
  name: string;
  /** ggml order: the first dimension varies fastest (row length). */
  dims: number[];
  data: Float32Array;
}

function tensors(generable: boolean[], next: () => number): Tensor[] {
  const vocabSize = generable.length;
  const headDim = EMBEDDING / HEADS;
  const kvDim = headDim * HEADS_KV;
  const randomTensor = (name: string, dims: number[], scale: number): Tensor => {
    const data = new Float32Array(dims.reduce((a, b) => a * b, 1));
    for (let i = 0; i < data.length; i++) data[i] = (next() * 2 - 1) * scale;
    return { name, dims, data };
  };
  const ones = (name: string): Tensor => ({
    name,
    dims: [EMBEDDING],
    data: new Float32Array(EMBEDDING).fill(1),
  });

  const list: Tensor[] = [randomTensor('token_embd.weight', [EMBEDDING, vocabSize], 1)];
  for (let layer = 0; layer < LAYERS; layer++) {
    const p = `blk.${layer}`;
    list.push(
      ones(`${p}.attn_norm.weight`),
      randomTensor(`${p}.attn_q.weight`, [EMBEDDING, EMBEDDING], 0.2),
      randomTensor(`${p}.attn_k.weight`, [EMBEDDING, kvDim], 0.2),
      randomTensor(`${p}.attn_v.weight`, [EMBEDDING, kvDim], 0.2),
      randomTensor(`${p}.attn_output.weight`, [EMBEDDING, EMBEDDING], 0.2),
      ones(`${p}.ffn_norm.weight`),
      randomTensor(`${p}.ffn_gate.weight`, [EMBEDDING, FEED_FORWARD], 0.2),
      randomTensor(`${p}.ffn_up.weight`, [EMBEDDING, FEED_FORWARD], 0.2),
      randomTensor(`${p}.ffn_down.weight`, [FEED_FORWARD, EMBEDDING], 0.2),
    );
  }
  const output = randomTensor('output.weight', [EMBEDDING, vocabSize], 1);
  // A zero row gives a token a logit of 0 while the best of the random logits is ~13, so it is never
  // sampled. Only printable ASCII and newline stay: replies are valid UTF-8 text, never a run of
  // empty control tokens, and without </s> a reply runs until maxOutputTokens or an abort.
  for (let token = 0; token < vocabSize; token++) {
    if (!generable[token]) output.data.fill(0, token * EMBEDDING, (token + 1) * EMBEDDING);
  }
  list.push(ones('output_norm.weight'), output);
  return list;
}

/** The bytes of a tiny llama GGUF (about 0.5 MB). Same options, same bytes. */
export function tinyGguf(options: TinyGgufOptions = {}): Buffer {
  const { tokens, types } = vocabulary();
  const meta: [string, Value][] = [
    ['general.architecture', { type: STRING, value: 'llama' }],
    ['general.name', { type: STRING, value: 'tiny' }],
    ['general.alignment', { type: UINT32, value: ALIGNMENT }],
    ['llama.context_length', { type: UINT32, value: options.contextLength ?? 1024 }],
    ['llama.embedding_length', { type: UINT32, value: EMBEDDING }],
    ['llama.block_count', { type: UINT32, value: LAYERS }],
    ['llama.feed_forward_length', { type: UINT32, value: FEED_FORWARD }],
    ['llama.attention.head_count', { type: UINT32, value: HEADS }],
    ['llama.attention.head_count_kv', { type: UINT32, value: HEADS_KV }],
    ['llama.rope.dimension_count', { type: UINT32, value: EMBEDDING / HEADS }],
    ['llama.attention.layer_norm_rms_epsilon', { type: FLOAT32, value: 1e-5 }],
    ['tokenizer.ggml.model', { type: STRING, value: 'llama' }],
    ['tokenizer.ggml.tokens', { type: ARRAY, itemType: STRING, values: tokens }],
    ['tokenizer.ggml.scores', { type: ARRAY, itemType: FLOAT32, values: tokens.map(() => 0) }],
    ['tokenizer.ggml.token_type', { type: ARRAY, itemType: INT32, values: types }],
    ['tokenizer.ggml.unknown_token_id', { type: UINT32, value: 0 }],
    ['tokenizer.ggml.bos_token_id', { type: UINT32, value: 1 }],
    ['tokenizer.ggml.eos_token_id', { type: UINT32, value: 2 }],
  ];
  const generable = tokens.map((token, id) => types[id] === TOKEN_NORMAL || token === '<0x0A>');
  const list = tensors(generable, random(options.seed ?? 42));

  const out = new Writer();
  out.bytes(Buffer.from('GGUF', 'ascii'));
  out.u32(3);
  out.u64(list.length);
  out.u64(meta.length);
  for (const [key, value] of meta) {
    out.string(key);
    out.value(value);
  }
  // Tensor offsets are relative to the start of the data section and each is aligned.
  let offset = 0;
  for (const tensor of list) {
    out.string(tensor.name);
    out.u32(tensor.dims.length);
    for (const dim of tensor.dims) out.u64(dim);
    out.u32(GGML_F32);
    out.u64(offset);
    offset += Math.ceil(tensor.data.byteLength / ALIGNMENT) * ALIGNMENT;
  }
  out.padTo(ALIGNMENT);
  for (const tensor of list) {
    out.bytes(Buffer.from(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength));
    out.padTo(ALIGNMENT);
  }
  return out.toBuffer();
}

/** Writes the tiny model to `file` and returns the path. */
export function writeTinyGguf(file: string, options: TinyGgufOptions = {}): string {
  writeFileSync(file, tinyGguf(options));
  return file;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const file = process.argv[2] ?? 'tiny.gguf';
  writeTinyGguf(file);
  console.log(`wrote ${file}`);
}
