package dev.selfee.engine.optim;

import dev.selfee.engine.Parallel;
import dev.selfee.engine.Tensor;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Stochastic gradient descent as {@code torch.optim.SGD}: with weight decay {@code d = g + wd·p};
 * with momentum a buffer {@code b = d} on the first step and {@code b ← μ·b + (1 − dampening)·d}
 * after, and {@code d = b} (or {@code d + μ·b} with Nesterov); then {@code p ← p − lr·d}.
 */
public final class Sgd extends Optimizer {
    private static final int GRAIN = 1 << 15;

    private final double momentum, dampening, weightDecay;
    private final boolean nesterov;
    private final Tensor[] buffers;

    /** Plain SGD: no momentum, no weight decay. */
    public Sgd(List<? extends Trainable> params, double lr) {
        this(params, lr, 0, 0, 0, false);
    }

    public Sgd(List<? extends Trainable> params, double lr, double momentum, double dampening, double weightDecay, boolean nesterov) {
        super("sgd", params, lr);
        if (!(momentum >= 0) || !(weightDecay >= 0)) {
            throw new IllegalArgumentException("sgd: momentum and weight decay must be >= 0, got " + momentum + ", " + weightDecay);
        }
        if (nesterov && (momentum <= 0 || dampening != 0)) {
            throw new IllegalArgumentException("sgd: Nesterov momentum requires a momentum and zero dampening");
        }
        this.momentum = momentum;
        this.dampening = dampening;
        this.weightDecay = weightDecay;
        this.nesterov = nesterov;
        this.buffers = new Tensor[this.params.size()];
        if (momentum != 0) {
            for (int i = 0; i < buffers.length; i++) buffers[i] = Tensor.zeros(this.params.get(i).value().shape());
        }
    }

    @Override
    protected void update(double lr, long t) {
        float flr = (float) lr, wd = (float) weightDecay, mu = (float) momentum, keep = (float) (1 - dampening);
        for (int i = 0; i < buffers.length; i++) {
            Tensor value = params.get(i).value(), grad = params.get(i).grad();
            float[] p = value.data(), g = grad.data();
            int po = value.offset(), go = grad.offset();
            boolean first = t == 1; // torch starts the buffer from the first step's direction
            float[] b = momentum != 0 ? buffers[i].data() : null;
            Parallel.forRange(value.size(), GRAIN, (s, e) -> {
                for (int j = s; j < e; j++) {
                    float d = g[go + j];
                    if (wd != 0) d += wd * p[po + j];
                    if (b != null) {
                        b[j] = first ? d : mu * b[j] + keep * d;
                        d = nesterov ? d + mu * b[j] : b[j];
                    }
                    p[po + j] -= flr * d;
                }
            });
        }
    }

    @Override
    protected Map<String, Tensor> state() {
        Map<String, Tensor> s = new LinkedHashMap<>();
        for (int i = 0; i < buffers.length; i++) {
            if (momentum != 0) s.put(params.get(i).name() + ".momentum_buffer", buffers[i]);
        }
        return s;
    }

    @Override
    protected Map<String, String> settings() {
        return Map.of("momentum", Double.toString(momentum), "dampening", Double.toString(dampening),
                "weight_decay", Double.toString(weightDecay), "nesterov", Boolean.toString(nesterov));
    }
}
