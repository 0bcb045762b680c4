package dev.selfee.engine.optim;

import dev.selfee.engine.DType;
import dev.selfee.engine.Tensor;
import dev.selfee.engine.io.CheckpointException;
import dev.selfee.engine.io.SafetensorsFile;
import dev.selfee.engine.io.SafetensorsWriter;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Updates {@link Trainable}s in place from their gradients, one {@link #step()} at a time, at
 * the learning rate {@code lr * schedule.factor(stepsTaken)}. Its state (step count and
 * per-parameter buffers) is saved to and restored from a safetensors file, so training resumes
 * exactly where it stopped.
 */
public abstract class Optimizer {
    protected final List<Trainable> params;
    private final String kind;
    private final double lr;
    private LrSchedule schedule = LrSchedule.constant();
    private long steps;

    /** @param kind a short name for messages and saved state, e.g. "adamw" */
    protected Optimizer(String kind, List<? extends Trainable> params, double lr) {
        this.kind = kind;
        if (!(lr >= 0)) throw new IllegalArgumentException(kind() + ": learning rate must be >= 0, got " + lr);
        this.params = List.copyOf(params);
        this.lr = lr;
        Set<String> names = new HashSet<>();
        for (Trainable p : this.params) {
            if (!names.add(p.name())) throw new IllegalArgumentException(kind() + ": two parameters are named '" + p.name() + "'");
            if (p.grad() == null) throw new IllegalArgumentException(kind() + ": parameter '" + p.name() + "' is frozen (it has no gradient)");
            if (!p.value().sameShape(p.grad())) {
                throw new IllegalArgumentException(kind() + ": parameter '" + p.name() + "' has shape " + Arrays.toString(p.value().shape())
                        + " but its gradient " + Arrays.toString(p.grad().shape()));
            }
            if (!p.value().isContiguous() || !p.grad().isContiguous()) {
                throw new IllegalArgumentException(kind() + ": parameter '" + p.name() + "' and its gradient must be contiguous");
            }
        }
    }

    /** Sets the schedule applied to the base learning rate; returns this. */
    public Optimizer schedule(LrSchedule schedule) {
        this.schedule = schedule;
        return this;
    }

    public List<Trainable> params() {
        return params;
    }

    /** The base learning rate given at construction. */
    public double baseLearningRate() {
        return lr;
    }

    /** The learning rate the next {@link #step()} will use. */
    public double learningRate() {
        return lr * schedule.factor(steps);
    }

    /** Steps taken so far. */
    public long steps() {
        return steps;
    }

    /** Applies one update from the current gradients (which it leaves as they are). */
    public void step() {
        update(learningRate(), steps + 1);
        steps++;
    }

    /** Sets every gradient to zero. */
    public void zeroGrad() {
        for (Trainable p : params) p.grad().fill(0f);
    }

    /** One update at learning rate {@code lr}; {@code t} counts steps from 1, this one included. */
    protected abstract void update(double lr, long t);

    /** The short name given at construction, e.g. "adamw". */
    public final String kind() {
        return kind;
    }

    /** The per-parameter buffers, keyed {@code <parameter name>.<buffer>}: saved, and restored into in place. */
    protected abstract Map<String, Tensor> state();

    /** Hyperparameters recorded with saved state (for humans; not checked on restore). */
    protected Map<String, String> settings() {
        return Map.of();
    }

    /** Saves the step count and buffers to {@code file} (safetensors, written atomically). */
    public void saveState(Path file) throws IOException {
        Map<String, String> meta = new LinkedHashMap<>(settings());
        meta.put("format", "pt");
        meta.put("optimizer", kind());
        meta.put("step", Long.toString(steps));
        meta.put("lr", Double.toString(lr));
        SafetensorsWriter.write(file, state(), DType.F32, meta);
    }

    /**
     * Restores what {@link #saveState} wrote for the same parameters. A file from another kind of
     * optimizer, or missing a buffer, or with a buffer of another shape, is a {@link CheckpointException}.
     */
    public void loadState(Path file) {
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            String savedKind = f.metadata().get("optimizer");
            if (!kind.equals(savedKind)) {
                throw new CheckpointException(file, "holds optimizer state of kind '" + savedKind + "', not '" + kind + "'");
            }
            long saved;
            try {
                saved = Long.parseLong(f.metadata().getOrDefault("step", ""));
            } catch (NumberFormatException e) {
                throw new CheckpointException(file, "metadata 'step' is not an integer: '" + f.metadata().get("step") + "'");
            }
            if (saved < 0) throw new CheckpointException(file, "metadata 'step' is negative: " + saved);
            Map<String, Tensor> targets = state();
            for (Map.Entry<String, Tensor> e : targets.entrySet()) { // check everything before changing anything
                int[] shape = f.shape(e.getKey());
                if (!Arrays.equals(shape, e.getValue().shape())) {
                    throw new CheckpointException(file, "tensor '" + e.getKey() + "' has shape " + Arrays.toString(shape)
                            + ", expected " + Arrays.toString(e.getValue().shape()));
                }
            }
            for (Map.Entry<String, Tensor> e : targets.entrySet()) f.loadInto(e.getKey(), e.getValue());
            steps = saved;
        }
    }
}
