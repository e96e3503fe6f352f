import { murmur3 } from './murmur3.ts';
import { tokenizeMail } from './tokenize.ts';
import type { TokenizerOptions } from './tokenize.ts';

/**
 * Everything needed to turn text into model features, as plain JSON stored in the model card.
 * Training and serving both call vectorizeText with it; there is no second implementation.
 */
export interface TextHashingSpec {
  kind: 'text-hashing';
  /** Bumped whenever the same spec would map some text to different features. */
  version: 1;
  /** Token → murmur3_32(UTF-8 bytes, seed 0) mod dimensions. */
  hash: 'murmur3_32';
  dimensions: number;
  tokenizer: TokenizerOptions;
  /** Per-feature value before normalisation: log(1 + count) or 1 when present. */
  weighting: 'log1p' | 'binary';
  normalize: 'l2' | 'none';
  /** Tokens past this many are ignored: bounds the cost of one huge mail, at serving too. */
  max_tokens: number;
}

/**
 * The model card's record of a text model: the public input carries raw text (BYTES) and the
 * ONNX graph takes the sparse features vectorizeText makes from it, under these input names.
 */
export interface TextHashingTransform extends TextHashingSpec {
  input: string;
  graph_inputs: { indices: string; values: string };
}

/** A sparse row: strictly increasing feature indices and their values. */
export interface SparseVector {
  indices: Int32Array;
  values: Float32Array;
}

export function vectorizeText(spec: TextHashingSpec, text: string): SparseVector {
  checkTextHashingSpec(spec);
  const counts = new Map<number, number>();
  for (const token of tokenizeMail(text, spec.tokenizer, spec.max_tokens)) {
    const index = murmur3(token) % spec.dimensions;
    counts.set(index, (counts.get(index) ?? 0) + 1);
  }
  const indices = Int32Array.from(counts.keys()).sort();
  const raw = Array.from(indices, (i) => (spec.weighting === 'binary' ? 1 : Math.log1p(counts.get(i)!)));
  const norm = spec.normalize === 'l2' ? Math.sqrt(raw.reduce((s, v) => s + v * v, 0)) : 1;
  return { indices, values: Float32Array.from(raw, (v) => v / norm) };
}

/**
 * Throws unless the spec is one this code implements exactly, so a model trained by a newer
 * transform fails loudly at load time instead of being fed subtly different features.
 */
export function checkTextHashingSpec(spec: TextHashingSpec): void {
  const fail = (what: string): never => {
    throw new Error(`text-hashing spec: ${what}`);
  };
  if (spec.kind !== 'text-hashing') fail(`kind must be "text-hashing", got ${JSON.stringify(spec.kind)}`);
  if (spec.version !== 1) fail(`version ${JSON.stringify(spec.version)} is not supported (this code implements 1)`);
  if (spec.hash !== 'murmur3_32') fail(`hash ${JSON.stringify(spec.hash)} is not supported`);
  if (!Number.isInteger(spec.dimensions) || spec.dimensions < 1 || spec.dimensions > 2 ** 31) {
    fail(`dimensions must be an integer in [1, 2^31], got ${spec.dimensions}`);
  }
  if (spec.weighting !== 'log1p' && spec.weighting !== 'binary')
    fail(`unknown weighting ${JSON.stringify(spec.weighting)}`);
  if (spec.normalize !== 'l2' && spec.normalize !== 'none') fail(`unknown normalize ${JSON.stringify(spec.normalize)}`);
  if (!Number.isInteger(spec.max_tokens) || spec.max_tokens < 0)
    fail(`max_tokens must be an integer >= 0, got ${spec.max_tokens}`);
  // The card is parsed JSON at serving time, so the declared type is not a guarantee.
  const tokenizer = spec.tokenizer as Partial<TokenizerOptions> | undefined;
  const headers: unknown = tokenizer?.headers;
  if (!Array.isArray(headers) || headers.some((h) => typeof h !== 'string' || h !== h.toLowerCase())) {
    fail('tokenizer.headers must be lower-case header names');
  }
  const min_length = tokenizer?.min_length ?? Number.NaN;
  const max_length = tokenizer?.max_length ?? Number.NaN;
  if (!Number.isInteger(min_length) || !Number.isInteger(max_length) || min_length < 1 || max_length < min_length) {
    fail(`tokenizer lengths must satisfy 1 <= min_length <= max_length, got ${min_length}, ${max_length}`);
  }
}
