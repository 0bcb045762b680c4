package dev.selfee.spa.train;

import dev.selfee.engine.model.device.DeviceLlama;
import dev.selfee.engine.optim.LrSchedule;
import java.util.OptionalDouble;

/**
 * The optimiser of the device trainers: what {@link dev.selfee.engine.optim.GradientAccumulation}
 * and {@link dev.selfee.engine.optim.AdamW} do on the CPU, on a {@link DeviceLlama}'s arenas.
 * Every {@code gradientAccumulationSteps} backward passes it averages the gradients, takes their
 * global norm (refusing a non-finite one), clips, runs AdamW with the options' schedule, betas
 * (0.9, 0.999), eps 1e-8 and HF's decay exemptions, and zeroes the gradients. The options'
 * optimizer must be AdamW ({@link DeviceSftTrainer#requireSupported}).
 */
final class DeviceOptimizer {
    private final DeviceLlama model;
    private final TrainingOptions o;
    private final LrSchedule schedule;
    private long steps;
    private int pending;

    DeviceOptimizer(DeviceLlama model, TrainingOptions o, long totalSteps) {
        this.model = model;
        this.o = o;
        this.schedule = o.schedule(totalSteps);
    }

    /** The learning rate the next step will use. */
    double learningRate() {
        return o.learningRate() * schedule.factor(steps);
    }

    /** As {@link dev.selfee.engine.optim.GradientAccumulation#afterBackward}. */
    OptionalDouble afterBackward() {
        pending++;
        return pending == o.gradientAccumulationSteps() ? OptionalDouble.of(stepNow()) : OptionalDouble.empty();
    }

    /** As {@link dev.selfee.engine.optim.GradientAccumulation#flush}. */
    OptionalDouble flush() {
        return pending == 0 ? OptionalDouble.empty() : OptionalDouble.of(stepNow());
    }

    private double stepNow() {
        if (pending > 1) model.scaleGradients(1f / pending);
        double norm = model.gradientNorm();
        if (!Double.isFinite(norm)) {
            model.zeroGrad();
            pending = 0;
            throw new ArithmeticException("gradient norm is " + norm + " before optimizer step " + (steps + 1) + "; the parameters were left unchanged");
        }
        if (o.maxGradNorm() > 0) {
            float coef = (float) Math.min(o.maxGradNorm() / (norm + 1e-6), 1.0);
            if (coef != 1f) model.scaleGradients(coef);
        }
        model.adamw(learningRate(), 0.9, 0.999, 1e-8, o.weightDecay(), TrainingOptions::exemptFromDecay, steps + 1);
        steps++;
        model.zeroGrad();
        pending = 0;
        return norm;
    }
}
