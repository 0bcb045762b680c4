package dev.selfee.spa.train;

import dev.selfee.engine.Tensor;
import dev.selfee.engine.autograd.Parameter;
import dev.selfee.engine.model.device.DeviceLlama;
import dev.selfee.engine.optim.Optimizer;
import dev.selfee.engine.optim.Trainable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The host side of a device run's resumable checkpoints: AdamW's step count and moments under the
 * names and settings {@link dev.selfee.engine.optim.AdamW} saves, so {@link TrainingCheckpoint}
 * writes and restores them as it does for CPU runs (and a checkpoint moves between backends).
 * It never updates anything itself: the device does, and this only counts the steps; the moments
 * are copied from the device before a save and back after a resume.
 */
final class DeviceCheckpointState extends Optimizer {
    private final Map<String, Tensor> state = new LinkedHashMap<>();
    private final double weightDecay;

    DeviceCheckpointState(List<Parameter> params, double lr, double weightDecay) {
        super("adamw", params, lr);
        this.weightDecay = weightDecay;
        for (Parameter p : params) {
            state.put(p.name() + ".exp_avg", Tensor.zeros(p.value().shape()));
            state.put(p.name() + ".exp_avg_sq", Tensor.zeros(p.value().shape()));
        }
    }

    /** The device took the step; only the count advances here. */
    @Override
    protected void update(double lr, long t) {}

    @Override
    protected Map<String, Tensor> state() {
        return state;
    }

    @Override
    protected Map<String, String> settings() {
        return Map.of("beta1", Double.toString(DeviceOptimizer.BETA1), "beta2", Double.toString(DeviceOptimizer.BETA2),
                "eps", Double.toString(DeviceOptimizer.EPS), "weight_decay", Double.toString(weightDecay));
    }

    /** Copies the device's moments here (before a save). */
    void pull(DeviceLlama device) {
        for (Trainable p : params()) {
            float[][] mv = device.adamMoments(p.name());
            copy(mv[0], state.get(p.name() + ".exp_avg"));
            copy(mv[1], state.get(p.name() + ".exp_avg_sq"));
        }
    }

    /** Copies the moments here to the device (after a resume). */
    void push(DeviceLlama device) {
        for (Trainable p : params()) {
            device.setAdamMoments(p.name(), state.get(p.name() + ".exp_avg").toArray(), state.get(p.name() + ".exp_avg_sq").toArray());
        }
    }

    private static void copy(float[] from, Tensor to) {
        System.arraycopy(from, 0, to.data(), to.offset(), from.length);
    }
}
