/**
 * Llama-family language models on the engine's autograd: {@link dev.selfee.engine.model.LlamaModel}
 * (forward, fused log-prob scoring, gradient checkpointing, random initialisation),
 * {@link dev.selfee.engine.model.LlamaCheckpoint} (transformers' directory layout in and out),
 * {@link dev.selfee.engine.model.Generator} (batched KV-cache sampling) and
 * {@link dev.selfee.engine.model.Scorer} (summed completion log-probabilities).
 */
package dev.selfee.engine.model;
