package dev.selfee.spa.train;

import dev.selfee.engine.optim.AdamW;
import dev.selfee.engine.optim.LrSchedule;
import dev.selfee.engine.optim.Optimizer;
import dev.selfee.engine.optim.Sgd;
import dev.selfee.engine.optim.Trainable;
import java.util.List;
import java.util.Locale;

/**
 * The optimisation settings both trainers share, named as HF's {@code TrainingArguments}.
 *
 * @param batchSize                 examples (or pairs) per micro-batch ({@code per_device_train_batch_size})
 * @param gradientAccumulationSteps micro-batches per optimiser step
 * @param numTrainEpochs            passes over the data (fractions allowed); ignored when {@code maxSteps > 0}
 * @param maxSteps                  optimiser steps to take, or 0 to follow {@code numTrainEpochs}
 * @param learningRate              the peak learning rate
 * @param warmupRatio               share of the steps over which the learning rate rises linearly from 0
 * @param weightDecay               decoupled (AdamW) or L2 (SGD) weight decay; HF exempts biases and norm weights
 * @param maxGradNorm               clip the global gradient norm to this, or 0 for no clipping
 * @param seed                      shuffling order (and random initialisation where a trainer makes a model)
 * @param saveSteps                 save a resumable checkpoint every this many steps, or 0 for none
 */
public record TrainingOptions(int batchSize, int gradientAccumulationSteps, double numTrainEpochs, int maxSteps, double learningRate,
                              Schedule lrSchedulerType, double warmupRatio, OptimizerType optimizer, double weightDecay,
                              double maxGradNorm, long seed, int saveSteps) {
    public enum Schedule {
        CONSTANT, LINEAR, COSINE;

        public static Schedule parse(String s) {
            for (Schedule v : values()) if (v.name().equalsIgnoreCase(s)) return v;
            throw new IllegalArgumentException("unknown learning-rate schedule '" + s + "'; expected constant, linear or cosine");
        }
    }

    public enum OptimizerType {
        ADAMW, SGD;

        public static OptimizerType parse(String s) {
            for (OptimizerType v : values()) if (v.name().equalsIgnoreCase(s)) return v;
            throw new IllegalArgumentException("unknown optimizer '" + s + "'; expected adamw or sgd");
        }
    }

    public TrainingOptions {
        if (batchSize < 1) throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        if (gradientAccumulationSteps < 1) throw new IllegalArgumentException("gradient accumulation steps must be >= 1, got " + gradientAccumulationSteps);
        if (maxSteps < 0) throw new IllegalArgumentException("max steps must be >= 0 (0: use the epochs), got " + maxSteps);
        if (maxSteps == 0 && !(numTrainEpochs > 0)) throw new IllegalArgumentException("num train epochs must be > 0, got " + numTrainEpochs);
        if (!(learningRate >= 0)) throw new IllegalArgumentException("learning rate must be >= 0, got " + learningRate);
        if (!(warmupRatio >= 0 && warmupRatio <= 1)) throw new IllegalArgumentException("warm-up ratio must be in [0, 1], got " + warmupRatio);
        if (!(weightDecay >= 0)) throw new IllegalArgumentException("weight decay must be >= 0, got " + weightDecay);
        if (!(maxGradNorm >= 0)) throw new IllegalArgumentException("max grad norm must be >= 0 (0: off), got " + maxGradNorm);
        if (saveSteps < 0) throw new IllegalArgumentException("save steps must be >= 0 (0: no checkpoints), got " + saveSteps);
    }

    /** HF TrainingArguments' defaults: batch 8, 3 epochs, lr 5e-5, linear decay, AdamW, clipping at 1, seed 42. */
    public static TrainingOptions defaults() {
        return new TrainingOptions(8, 1, 3, 0, 5e-5, Schedule.LINEAR, 0, OptimizerType.ADAMW, 0, 1.0, 42, 0);
    }

    public TrainingOptions withBatchSize(int b) {
        return new TrainingOptions(b, gradientAccumulationSteps, numTrainEpochs, maxSteps, learningRate, lrSchedulerType, warmupRatio, optimizer, weightDecay, maxGradNorm, seed, saveSteps);
    }

    public TrainingOptions withGradientAccumulationSteps(int g) {
        return new TrainingOptions(batchSize, g, numTrainEpochs, maxSteps, learningRate, lrSchedulerType, warmupRatio, optimizer, weightDecay, maxGradNorm, seed, saveSteps);
    }

    public TrainingOptions withEpochs(double e) {
        return new TrainingOptions(batchSize, gradientAccumulationSteps, e, maxSteps, learningRate, lrSchedulerType, warmupRatio, optimizer, weightDecay, maxGradNorm, seed, saveSteps);
    }

    public TrainingOptions withMaxSteps(int s) {
        return new TrainingOptions(batchSize, gradientAccumulationSteps, numTrainEpochs, s, learningRate, lrSchedulerType, warmupRatio, optimizer, weightDecay, maxGradNorm, seed, saveSteps);
    }

    public TrainingOptions withLearningRate(double lr) {
        return new TrainingOptions(batchSize, gradientAccumulationSteps, numTrainEpochs, maxSteps, lr, lrSchedulerType, warmupRatio, optimizer, weightDecay, maxGradNorm, seed, saveSteps);
    }

    public TrainingOptions withSchedule(Schedule s, double warmup) {
        return new TrainingOptions(batchSize, gradientAccumulationSteps, numTrainEpochs, maxSteps, learningRate, s, warmup, optimizer, weightDecay, maxGradNorm, seed, saveSteps);
    }

    public TrainingOptions withOptimizer(OptimizerType o, double wd) {
        return new TrainingOptions(batchSize, gradientAccumulationSteps, numTrainEpochs, maxSteps, learningRate, lrSchedulerType, warmupRatio, o, wd, maxGradNorm, seed, saveSteps);
    }

    public TrainingOptions withMaxGradNorm(double n) {
        return new TrainingOptions(batchSize, gradientAccumulationSteps, numTrainEpochs, maxSteps, learningRate, lrSchedulerType, warmupRatio, optimizer, weightDecay, n, seed, saveSteps);
    }

    public TrainingOptions withSeed(long s) {
        return new TrainingOptions(batchSize, gradientAccumulationSteps, numTrainEpochs, maxSteps, learningRate, lrSchedulerType, warmupRatio, optimizer, weightDecay, maxGradNorm, s, saveSteps);
    }

    public TrainingOptions withSaveSteps(int n) {
        return new TrainingOptions(batchSize, gradientAccumulationSteps, numTrainEpochs, maxSteps, learningRate, lrSchedulerType, warmupRatio, optimizer, weightDecay, maxGradNorm, seed, n);
    }

    /** The optimiser over {@code params} with this schedule over {@code totalSteps} (warm-up steps = ⌈ratio · total⌉, as HF). */
    public Optimizer optimizer(List<? extends Trainable> params, long totalSteps) {
        Optimizer o = switch (optimizer) {
            case ADAMW -> new AdamW(params, learningRate, 0.9, 0.999, 1e-8, weightDecay).noDecayFor(TrainingOptions::exemptFromDecay);
            case SGD -> new Sgd(params, learningRate, 0, 0, weightDecay, false);
        };
        return o.schedule(schedule(totalSteps));
    }

    /** The learning-rate schedule over {@code totalSteps} (warm-up steps = ⌈ratio · total⌉, as HF). */
    public LrSchedule schedule(long totalSteps) {
        long warmup = (long) Math.ceil(warmupRatio * totalSteps);
        return switch (lrSchedulerType) {
            case CONSTANT -> warmup == 0 ? LrSchedule.constant() : LrSchedule.constantWithWarmup(warmup);
            case LINEAR -> LrSchedule.linearWithWarmup(warmup, totalSteps);
            case COSINE -> LrSchedule.cosineWithWarmup(warmup, totalSteps);
        };
    }

    /** HF's Trainer decays neither biases nor normalisation weights. */
    static boolean exemptFromDecay(Trainable p) {
        return exemptFromDecay(p.name());
    }

    /** {@link #exemptFromDecay(Trainable)} by parameter name. */
    public static boolean exemptFromDecay(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return n.endsWith(".bias") || n.contains("norm");
    }
}
