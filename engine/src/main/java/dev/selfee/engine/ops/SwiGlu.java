package dev.selfee.engine.ops;

import dev.selfee.engine.Parallel;
import dev.selfee.engine.Shapes;
import dev.selfee.engine.Tensor;
import dev.selfee.engine.autograd.Tape;
import dev.selfee.engine.autograd.Var;
import dev.selfee.engine.kernel.Simd;
import jdk.incubator.vector.FloatVector;

/** The gated MLP activation silu(gate) · up, fused so silu(gate) is never stored. */
public final class SwiGlu {
    private static final int L = Simd.SPECIES.length();

    private SwiGlu() {}

    public static Var apply(Var gate, Var up) {
        Shapes.requireSame("swiglu", gate.value(), up.value());
        Tensor gv = gate.value(), uv = up.value();
        int n = gv.size();
        float[] gd = gv.data(), ud = uv.data();
        int go = gv.offset(), uo = uv.offset();
        Tensor y = Tensor.empty(gv.shape());
        float[] yd = y.data();
        Parallel.forRange(n, 1 << 14, (s, e) -> {
            int i = s;
            for (int lim = s + Simd.SPECIES.loopBound(e - s); i < lim; i += L) {
                FloatVector a = FloatVector.fromArray(Simd.SPECIES, gd, go + i);
                a.mul(Silu.sigmoid(a)).mul(FloatVector.fromArray(Simd.SPECIES, ud, uo + i)).intoArray(yd, i);
            }
            for (; i < e; i++) yd[i] = gd[go + i] * Silu.sigmoid(gd[go + i]) * ud[uo + i];
        });
        return Tape.output(y, g -> {
            float[] dy = g.data();
            float[] dgate = gate.requiresGrad() ? gate.ensureGrad().data() : null;
            float[] dup = up.requiresGrad() ? up.ensureGrad().data() : null;
            Parallel.forRange(n, 1 << 14, (s, e) -> {
                int i = s;
                for (int lim = s + Simd.SPECIES.loopBound(e - s); i < lim; i += L) {
                    FloatVector a = FloatVector.fromArray(Simd.SPECIES, gd, go + i);
                    FloatVector d = FloatVector.fromArray(Simd.SPECIES, dy, i);
                    if (dgate != null) {
                        FloatVector u = FloatVector.fromArray(Simd.SPECIES, ud, uo + i);
                        d.mul(u).fma(Silu.derivative(a), FloatVector.fromArray(Simd.SPECIES, dgate, i)).intoArray(dgate, i);
                    }
                    if (dup != null) d.fma(a.mul(Silu.sigmoid(a)), FloatVector.fromArray(Simd.SPECIES, dup, i)).intoArray(dup, i);
                }
                for (; i < e; i++) {
                    float a = gd[go + i];
                    if (dgate != null) dgate[i] = Math.fma(dy[i] * ud[uo + i], Silu.derivative(a), dgate[i]);
                    if (dup != null) dup[i] = Math.fma(dy[i], a * Silu.sigmoid(a), dup[i]);
                }
            });
        }, gate, up);
    }
}
