package dev.selfee.cli;

import dev.selfee.engine.model.LlamaModel;
import dev.selfee.engine.model.LoraAdapters;
import dev.selfee.engine.model.LoraConfig;
import dev.selfee.spa.train.TrainingOptions;
import dev.selfee.spa.train.Truncation;
import picocli.CommandLine.Option;

/** The optimisation flags {@code sft} and {@code dpo} share, named as HF TrainingArguments in kebab case. */
final class TrainingFlags {
    @Option(names = "--batch-size", defaultValue = "8", description = "examples (pairs) per micro-batch (default ${DEFAULT-VALUE})") int batchSize;
    @Option(names = "--gradient-accumulation-steps", defaultValue = "1", description = "micro-batches per optimizer step (default ${DEFAULT-VALUE})") int accumulation;
    @Option(names = "--num-train-epochs", defaultValue = "3", description = "passes over the data (default ${DEFAULT-VALUE})") double epochs;
    @Option(names = "--max-steps", defaultValue = "0", description = "optimizer steps; overrides the epochs when > 0 (default ${DEFAULT-VALUE})") int maxSteps;
    @Option(names = {"--lr", "--learning-rate"}, description = "peak learning rate (sft 2e-5, dpo 1e-6 by default, as TRL)") Double lr;
    @Option(names = "--lr-scheduler-type", defaultValue = "linear", description = "constant, linear or cosine (default ${DEFAULT-VALUE})") String schedule;
    @Option(names = "--warmup-ratio", defaultValue = "0", description = "share of steps warming the learning rate up from 0 (default ${DEFAULT-VALUE})") double warmupRatio;
    @Option(names = "--optimizer", defaultValue = "adamw", description = "adamw or sgd (default ${DEFAULT-VALUE})") String optimizer;
    @Option(names = "--weight-decay", defaultValue = "0", description = "weight decay; biases and norms are exempt (default ${DEFAULT-VALUE})") double weightDecay;
    @Option(names = "--max-grad-norm", defaultValue = "1.0", description = "clip the gradient norm to this; 0 = off (default ${DEFAULT-VALUE})") double maxGradNorm;
    @Option(names = "--max-length", defaultValue = "1024", description = "max tokens of prompt + completion; 0 = no limit (default ${DEFAULT-VALUE})") int maxLength;
    @Option(names = "--max-prompt-length", defaultValue = "0", description = "max prompt tokens, keeping the end; 0 = no limit (default ${DEFAULT-VALUE})") int maxPromptLength;
    @Option(names = "--seed", defaultValue = "42", description = "shuffling (and initialisation) seed (default ${DEFAULT-VALUE})") long seed;
    @Option(names = "--save-steps", defaultValue = "0", description = "checkpoint every N steps into OUT.partial/checkpoint; a rerun with the same inputs resumes there (default ${DEFAULT-VALUE}: none)") int saveSteps;
    @Option(names = "--gradient-checkpointing", description = "recompute each layer in backward to save memory") boolean gradientCheckpointing;
    @Option(names = "--lora-r", defaultValue = "0", description = "train LoRA adapters of this rank instead of every weight; the output is merged (default ${DEFAULT-VALUE}: off)") int loraR;
    @Option(names = "--lora-alpha", defaultValue = "8", description = "LoRA alpha; updates are scaled by alpha / r (default ${DEFAULT-VALUE})") double loraAlpha;
    @Option(names = "--lora-target-modules", defaultValue = "q_proj,v_proj", description = "projections to adapt: names among q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj, or all-linear (default ${DEFAULT-VALUE})") String loraTargets;

    TrainingOptions options(double defaultLr) {
        return new TrainingOptions(batchSize, accumulation, epochs, Math.max(0, maxSteps), lr == null ? defaultLr : lr,
                TrainingOptions.Schedule.parse(schedule), warmupRatio, TrainingOptions.OptimizerType.parse(optimizer), weightDecay, maxGradNorm, seed, saveSteps);
    }

    /** The LoRA settings, or null when --lora-r is 0. */
    LoraConfig lora() {
        if (loraR < 0) throw new IllegalArgumentException("--lora-r must be >= 0 (0: off), got " + loraR);
        return loraR == 0 ? null : LoraConfig.of(loraR, loraAlpha, loraTargets);
    }

    /** Applies --gradient-checkpointing and attaches fresh LoRA adapters when asked; returns the adapters or null. */
    LoraAdapters prepare(LlamaModel model, long seed) {
        model.gradientCheckpointing(gradientCheckpointing);
        LoraConfig c = lora();
        if (c == null) return null;
        LoraAdapters a = model.attachLora(c, seed);
        System.err.printf("LoRA r=%d alpha=%s on %s: %,d trainable parameters (%.2f%% of %,d)%n", c.rank(), c.alpha(), String.join(",", c.targetModules()),
                a.parameterCount(), 100.0 * a.parameterCount() / model.parameterCount(), model.parameterCount());
        return a;
    }

    /** The adapter settings for training_summary.json. */
    static java.util.Map<String, Object> summary(LoraAdapters a) {
        return java.util.Map.of("r", a.config().rank(), "alpha", a.config().alpha(), "target_modules", a.config().targetModules(),
                "trainable_parameters", a.parameterCount());
    }

    Truncation truncation() {
        return new Truncation(maxLength, maxPromptLength);
    }
}
