package dev.selfee.spa.train;

import dev.selfee.engine.model.LlamaModel;
import dev.selfee.engine.model.device.DeviceLlama;
import dev.selfee.engine.optim.LrSchedule;
import java.nio.file.Path;
import java.util.OptionalDouble;

/**
 * The optimiser of the device trainers: what {@link dev.selfee.engine.optim.GradientAccumulation}
 * and {@link dev.selfee.engine.optim.AdamW} do on the CPU, on a {@link DeviceLlama}'s arenas.
 * Every {@code gradientAccumulationSteps} backward passes it averages the gradients, takes their
 * global norm (refusing a non-finite one), clips, runs AdamW with the options' schedule, betas
 * (0.9, 0.999), eps 1e-8 and HF's decay exemptions, and zeroes the gradients. The options'
 * optimizer must be AdamW ({@link DeviceSftTrainer#requireSupported}). With {@code saveSteps} it
 * saves and resumes {@link TrainingCheckpoint}s in the CPU trainers' format.
 */
final class DeviceOptimizer {
    static final double BETA1 = 0.9, BETA2 = 0.999, EPS = 1e-8;

    private final DeviceLlama device;
    private final LlamaModel host;
    private final TrainingOptions o;
    private final LrSchedule schedule;
    /** The step count and moments for checkpoints; null when the run saves none. */
    private final DeviceCheckpointState checkpoints;
    private long steps;
    private int pending;

    /** @param host the model the device's weights came from: checkpoints save and restore through it */
    DeviceOptimizer(DeviceLlama device, LlamaModel host, TrainingOptions o, long totalSteps) {
        this.device = device;
        this.host = host;
        this.o = o;
        this.schedule = o.schedule(totalSteps);
        this.checkpoints = o.saveSteps() > 0 ? new DeviceCheckpointState(host.trainableParameters(), o.learningRate(), o.weightDecay()) : null;
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
        if (pending > 1) device.scaleGradients(1f / pending);
        double norm = device.gradientNorm();
        if (!Double.isFinite(norm)) {
            device.zeroGrad();
            pending = 0;
            throw new ArithmeticException("gradient norm is " + norm + " before optimizer step " + (steps + 1) + "; the parameters were left unchanged");
        }
        if (o.maxGradNorm() > 0) {
            float coef = (float) Math.min(o.maxGradNorm() / (norm + 1e-6), 1.0);
            if (coef != 1f) device.scaleGradients(coef);
        }
        device.adamw(learningRate(), BETA1, BETA2, EPS, o.weightDecay(), TrainingOptions::exemptFromDecay, steps + 1);
        steps++;
        if (checkpoints != null) checkpoints.step();
        device.zeroGrad();
        pending = 0;
        return norm;
    }

    /** Saves the device's weights and optimiser state as a checkpoint of the run {@code fingerprint} names. */
    void save(Path workDir, String fingerprint, TrainingCheckpoint.State state) {
        device.downloadInto(host);
        checkpoints.pull(device);
        TrainingCheckpoint.save(workDir, fingerprint, host, checkpoints, state);
    }

    /** Restores this run's checkpoint in {@code workDir} onto the device, if there is one; returns its state or null. */
    TrainingCheckpoint.State resume(Path workDir, String fingerprint) {
        TrainingCheckpoint.State s = TrainingCheckpoint.resume(workDir, fingerprint, host, checkpoints);
        if (s == null) return null;
        device.writeWeights(host);
        checkpoints.push(device);
        steps = checkpoints.steps();
        return s;
    }
}
