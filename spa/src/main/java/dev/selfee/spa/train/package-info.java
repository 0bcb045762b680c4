/**
 * The trainers: supervised fine-tuning and direct preference optimisation with TRL's losses and
 * SPA's refined loss.
 *
 * <ol>
 *   <li>{@link dev.selfee.spa.train.ExampleEncoder} turns {@code PreferenceExample}s or
 *       {@code SftExample}s into {@link dev.selfee.spa.train.TokenizedPair}s /
 *       {@link dev.selfee.spa.train.TokenizedExample}s (TRL's special-token and chat-template rules,
 *       {@link dev.selfee.spa.train.Truncation} counted).</li>
 *   <li>{@link dev.selfee.spa.train.DpoTrainer#train} or {@link dev.selfee.spa.train.SftTrainer#train}
 *       trains a {@code LlamaModel} in place with {@link dev.selfee.spa.train.DpoOptions} /
 *       {@link dev.selfee.spa.train.TrainingOptions}, reporting each step to a
 *       {@link dev.selfee.spa.train.MetricsSink} (TRL's metric names) and writing its working files
 *       (reference log-prob cache, SPA's per-pair flags) into a work directory.</li>
 *   <li>{@link dev.selfee.spa.train.ModelOutput} saves the result in transformers' layout with the
 *       tokenizer files, and publishes an output directory atomically.</li>
 * </ol>
 * LoRA: attach adapters to the model first ({@code LlamaModel.attachLora}); both trainers then
 * optimise only the adapters (the base weights frozen, without gradient buffers), DPO may use the
 * policy itself as its reference (scored with its adapters disabled), and {@code ModelOutput}
 * saves the merged model plus the adapter in PEFT's format.
 * Steps, shuffling and initialisation depend only on the seed, so the same inputs give
 * bit-identical weights. A NaN or infinite loss or gradient stops training with a
 * {@link dev.selfee.spa.train.TrainingDivergedException} after saving the last good model.
 */
package dev.selfee.spa.train;
