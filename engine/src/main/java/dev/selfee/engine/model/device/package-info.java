/**
 * Llama-family models on a {@link dev.selfee.engine.backend.Backend} (GPU offload):
 * {@link dev.selfee.engine.model.device.DeviceLlama} holds the weights, gradients and AdamW state
 * in device arenas and runs training steps and KV-cache decoding as kernel calls, returning only
 * per-sequence log-probs or last-position logits to the host;
 * {@link dev.selfee.engine.model.device.DeviceKvCache} is its cache. Generation on it is
 * {@link dev.selfee.engine.model.DeviceGenerator}.
 */
package dev.selfee.engine.model.device;
