package dev.selfee.engine.optim;

import dev.selfee.engine.Parallel;
import dev.selfee.engine.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Adam with decoupled weight decay, as {@code torch.optim.AdamW} (amsgrad off): per step t,
 * <pre>
 *   p ← p·(1 − lr·wd)
 *   m ← m + (1 − β1)(g − m);   v ← β2·v + (1 − β2)·g²
 *   p ← p − lr/(1 − β1^t) · m / (√v / √(1 − β2^t) + ε)
 * </pre>
 * The element loop is vectorised and split over the engine's threads.
 */
public final class AdamW extends Optimizer {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** Below this many elements a parameter is updated on the calling thread. */
    private static final int GRAIN = 1 << 15;

    private final double beta1, beta2, eps, weightDecay;
    private final Tensor[] expAvg, expAvgSq;
    private Predicate<Trainable> noDecay = p -> false;

    /** torch's defaults: betas (0.9, 0.999), eps 1e-8, weight decay 0.01. */
    public AdamW(List<? extends Trainable> params, double lr) {
        this(params, lr, 0.9, 0.999, 1e-8, 0.01);
    }

    public AdamW(List<? extends Trainable> params, double lr, double beta1, double beta2, double eps, double weightDecay) {
        super("adamw", params, lr);
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("adamw: betas must be in [0, 1), got " + beta1 + ", " + beta2);
        }
        if (!(eps >= 0) || !(weightDecay >= 0)) {
            throw new IllegalArgumentException("adamw: eps and weight decay must be >= 0, got " + eps + ", " + weightDecay);
        }
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        expAvg = new Tensor[this.params.size()];
        expAvgSq = new Tensor[this.params.size()];
        for (int i = 0; i < expAvg.length; i++) {
            expAvg[i] = Tensor.zeros(this.params.get(i).value().shape());
            expAvgSq[i] = Tensor.zeros(this.params.get(i).value().shape());
        }
    }

    /** Exempts the parameters {@code exempt} accepts from weight decay (commonly biases and norm weights); returns this. */
    public AdamW noDecayFor(Predicate<Trainable> exempt) {
        this.noDecay = exempt;
        return this;
    }

    @Override
    protected void update(double lr, long t) {
        double bc1 = 1 - Math.pow(beta1, t);
        double bc2 = 1 - Math.pow(beta2, t);
        float stepSize = (float) (lr / bc1);
        float bc2Sqrt = (float) Math.sqrt(bc2);
        for (int i = 0; i < expAvg.length; i++) {
            Trainable p = params.get(i);
            float decay = (float) (1 - lr * (noDecay.test(p) ? 0 : weightDecay));
            Tensor value = p.value(), grad = p.grad(), m = expAvg[i], v = expAvgSq[i];
            Parallel.forRange(value.size(), GRAIN, (s, e) -> kernel(value.data(), value.offset(), grad.data(), grad.offset(),
                    m.data(), v.data(), s, e, decay, (float) beta1, (float) beta2, stepSize, bc2Sqrt, (float) eps));
        }
    }

    /** Updates elements [s, e); {@code m} and {@code v} are dense, parameter and gradient start at their offsets. */
    static void kernel(float[] p, int po, float[] g, int go, float[] m, float[] v, int s, int e,
                       float decay, float b1, float b2, float stepSize, float bc2Sqrt, float eps) {
        float omb1 = 1 - b1, omb2 = 1 - b2;
        int i = s;
        int vecEnd = s + S.loopBound(e - s);
        for (; i < vecEnd; i += S.length()) {
            FloatVector gv = FloatVector.fromArray(S, g, go + i);
            FloatVector mv = FloatVector.fromArray(S, m, i);
            FloatVector vv = FloatVector.fromArray(S, v, i);
            FloatVector pv = FloatVector.fromArray(S, p, po + i).mul(decay);
            mv = gv.sub(mv).mul(omb1).add(mv);
            vv = vv.mul(b2).add(gv.mul(gv).mul(omb2));
            FloatVector denom = vv.lanewise(VectorOperators.SQRT).div(bc2Sqrt).add(eps);
            pv = pv.sub(mv.div(denom).mul(stepSize));
            mv.intoArray(m, i);
            vv.intoArray(v, i);
            pv.intoArray(p, po + i);
        }
        for (; i < e; i++) {
            float gi = g[go + i];
            float mi = m[i] + omb1 * (gi - m[i]);
            float vi = v[i] * b2 + omb2 * (gi * gi);
            float denom = (float) Math.sqrt(vi) / bc2Sqrt + eps;
            p[po + i] = p[po + i] * decay - stepSize * (mi / denom);
            m[i] = mi;
            v[i] = vi;
        }
    }

    @Override
    protected Map<String, Tensor> state() {
        Map<String, Tensor> s = new LinkedHashMap<>();
        for (int i = 0; i < expAvg.length; i++) {
            s.put(params.get(i).name() + ".exp_avg", expAvg[i]);
            s.put(params.get(i).name() + ".exp_avg_sq", expAvgSq[i]);
        }
        return s;
    }

    @Override
    protected Map<String, String> settings() {
        return Map.of("beta1", Double.toString(beta1), "beta2", Double.toString(beta2), "eps", Double.toString(eps),
                "weight_decay", Double.toString(weightDecay));
    }
}
