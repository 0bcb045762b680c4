package dev.selfee.engine.optim;

import com.fasterxml.jackson.databind.JsonNode;
import dev.selfee.engine.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.selfee.engine.optim.OptimFixture.*;
import static org.junit.jupiter.api.Assertions.*;

class GradNormTest {
    @Test
    void clipEqualsTorchClipGradNorm() {
        for (JsonNode c : ROOT.get("clip")) {
            List<Param> ps = params(c.get("grads"));
            setGrads(ps, c.get("grads"));
            double norm = GradNorm.clip(ps, c.get("max_norm").doubleValue());
            assertEquals(c.get("norm").doubleValue(), norm, 1e-6 * norm, "pre-clip norm");
            for (Param p : ps) {
                float[] want = floats(c.get("clipped").get(p.name()));
                float[] got = p.grad().toArray();
                for (int i = 0; i < want.length; i++) assertEquals(want[i], got[i], 1e-6, p.name() + "[" + i + "]");
            }
        }
    }

    @Test
    void nonFiniteNormIsReportedNotHidden() {
        Param p = new Param("x", Tensor.zeros(3), Tensor.of(new float[] {1, Float.NaN, 2}, 3));
        assertTrue(Double.isNaN(GradNorm.clip(List.of(p), 1.0)));
        Param q = new Param("y", Tensor.zeros(2), Tensor.of(new float[] {1, Float.POSITIVE_INFINITY}, 2));
        assertEquals(Double.POSITIVE_INFINITY, GradNorm.total(List.of(q)));
    }

    @Test
    void normOfALargeGradientIsAccurate() {
        int n = 1_000_001; // float accumulation over the whole tensor would be off by ~1e-3 relative
        Param p = new Param("big", Tensor.zeros(n), Tensor.full(0.1f, n));
        double exact = Math.sqrt(n * (double) 0.1f * 0.1f);
        assertEquals(exact, GradNorm.total(List.of(p)), 1e-7 * exact);
    }
}
