package dev.selfee.engine.optim;

import com.fasterxml.jackson.databind.JsonNode;
import dev.selfee.engine.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.OptionalDouble;

import static dev.selfee.engine.optim.OptimFixture.*;
import static org.junit.jupiter.api.Assertions.*;

class GradientAccumulationTest {
    /** Adds {@code scale × grads.<name>} to each gradient, as one micro-batch's backward pass would. */
    private static void addGrads(List<Param> ps, JsonNode grads, float scale) {
        for (Param p : ps) {
            float[] g = floats(grads.get(p.name()));
            float[] d = p.grad().data();
            for (int i = 0; i < g.length; i++) d[i] += scale * g[i];
        }
    }

    @Test
    void averagesMicroBatchesThenStepsLikeTorch() {
        JsonNode c = ROOT.get("adamw");
        List<Param> ps = params(c.get("init"));
        AdamW opt = new AdamW(ps, c.get("lr").doubleValue(), c.get("beta1").doubleValue(), c.get("beta2").doubleValue(),
                c.get("eps").doubleValue(), c.get("weight_decay").doubleValue());
        GradientAccumulation acc = new GradientAccumulation(opt, 3, 0);
        for (int k = 0; k < 3; k++) {
            JsonNode g = c.get("grads").get(k);
            // three micro-batches whose mean is exactly the fixture's gradient: 0.5g + 1g + 1.5g = 3g
            addGrads(ps, g, 0.5f);
            assertTrue(acc.afterBackward().isEmpty());
            addGrads(ps, g, 1f);
            assertTrue(acc.afterBackward().isEmpty());
            assertEquals(k, opt.steps(), "no step before the group is complete");
            addGrads(ps, g, 1.5f);
            OptionalDouble norm = acc.afterBackward();
            assertTrue(norm.isPresent());
            assertClose(ps, c.get("after").get(k), AdamWTest.TOL, "accumulated step " + (k + 1));
            for (Param p : ps) assertEquals(0f, GradNorm.total(List.of(p)), "gradients zeroed after the step");
        }
        assertEquals(3, opt.steps());
    }

    @Test
    void clipsTheAveragedGradientAndReportsItsNorm() {
        Param p = new Param("p", Tensor.zeros(2), Tensor.zeros(2));
        Sgd opt = new Sgd(List.of(p), 1.0);
        GradientAccumulation acc = new GradientAccumulation(opt, 2, 1.0);
        p.grad().data()[0] = 3;
        acc.afterBackward();
        p.grad().data()[1] = 8; // sum (3, 8), mean (1.5, 4), norm sqrt(18.25)
        double norm = acc.afterBackward().orElseThrow();
        assertEquals(Math.sqrt(18.25), norm, 1e-6);
        double coef = 1.0 / (norm + 1e-6);
        assertEquals(-1.5 * coef, p.value().get(0), 1e-6);
        assertEquals(-4 * coef, p.value().get(1), 1e-6);
    }

    @Test
    void flushStepsOnAPartialGroup() {
        Param p = new Param("p", Tensor.zeros(1), Tensor.zeros(1));
        Sgd opt = new Sgd(List.of(p), 1.0);
        GradientAccumulation acc = new GradientAccumulation(opt, 4, 0);
        assertTrue(acc.flush().isEmpty());
        p.grad().data()[0] = 2;
        acc.afterBackward();
        p.grad().data()[0] += 4;
        acc.afterBackward();
        assertEquals(2, acc.pending());
        assertEquals(3.0, acc.flush().orElseThrow(), 1e-9);
        assertEquals(-3f, p.value().get(0));
        assertEquals(0, acc.pending());
    }

    @Test
    void clearingWithReplacesTheZeroingAfterEachStep() {
        Param p = new Param("p", Tensor.zeros(1), Tensor.zeros(1));
        int[] cleared = {0};
        GradientAccumulation acc = new GradientAccumulation(new Sgd(List.of(p), 1.0), 2, 0).clearingWith(() -> cleared[0]++);
        p.grad().data()[0] = 2;
        acc.afterBackward();
        assertEquals(0, cleared[0], "nothing cleared before the group's step");
        acc.afterBackward();
        assertEquals(1, cleared[0]);
        assertEquals(-1f, p.value().get(0), "mean of the two micro-batches' sum (2) stepped");
        assertEquals(1f, p.grad().get(0), "left to the clearing function, which here keeps it");
    }

    @Test
    void nonFiniteGradientsLeaveParametersUnchanged() {
        Param p = new Param("layer.weight", Tensor.full(1f, 2), Tensor.of(new float[] {Float.NaN, 1}, 2));
        AdamW opt = new AdamW(List.of(p), 0.1);
        GradientAccumulation acc = new GradientAccumulation(opt, 1, 1.0);
        ArithmeticException e = assertThrows(ArithmeticException.class, acc::afterBackward);
        assertTrue(e.getMessage().contains("NaN"), e.getMessage());
        assertArrayEquals(new float[] {1, 1}, p.value().toArray());
        assertEquals(0, opt.steps());
        assertEquals(0, acc.pending());
    }
}
