package dev.selfee.engine.optim;

import com.fasterxml.jackson.databind.JsonNode;
import dev.selfee.engine.Parallel;
import dev.selfee.engine.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static dev.selfee.engine.optim.OptimFixture.*;
import static org.junit.jupiter.api.Assertions.*;

class AdamWTest {
    /** fp32 rounding in a different operation order than torch's; the updates themselves are ~1e-2. */
    static final double TOL = 1e-6;

    private static void runAgainstTorch(String key, Optimizer opt, List<Param> ps) {
        JsonNode c = ROOT.get(key);
        for (int k = 0; k < 3; k++) {
            setGrads(ps, c.get("grads").get(k));
            assertEquals(c.get("lrs").get(k).doubleValue(), opt.learningRate(), 1e-15, key + ": learning rate of step " + (k + 1));
            opt.step();
            assertClose(ps, c.get("after").get(k), TOL, key + " step " + (k + 1));
        }
        assertEquals(3, opt.steps());
    }

    @Test
    void threeStepsEqualTorchAdamW() {
        JsonNode c = ROOT.get("adamw");
        List<Param> ps = params(c.get("init"));
        AdamW opt = new AdamW(ps, c.get("lr").doubleValue(), c.get("beta1").doubleValue(), c.get("beta2").doubleValue(),
                c.get("eps").doubleValue(), c.get("weight_decay").doubleValue());
        runAgainstTorch("adamw", opt, ps);
    }

    @Test
    void defaultsAreTorchDefaults() {
        JsonNode c = ROOT.get("adamw_defaults");
        List<Param> ps = params(c.get("init"));
        runAgainstTorch("adamw_defaults", new AdamW(ps, c.get("lr").doubleValue()), ps);
    }

    @Test
    void scheduledLearningRateFollowsTransformersLinearWarmup() {
        JsonNode c = ROOT.get("adamw_linear_warmup");
        List<Param> ps = params(c.get("init"));
        Optimizer opt = new AdamW(ps, c.get("lr").doubleValue())
                .schedule(LrSchedule.linearWithWarmup(c.get("warmup").longValue(), c.get("total").longValue()));
        runAgainstTorch("adamw_linear_warmup", opt, ps);
    }

    @Test
    void exemptParametersAreNotDecayed() {
        Param p = new Param("norm.weight", Tensor.full(2f, 4), Tensor.zeros(4));
        Param q = new Param("proj.weight", Tensor.full(2f, 4), Tensor.zeros(4));
        AdamW opt = new AdamW(List.of(p, q), 0.1, 0.9, 0.999, 1e-8, 0.5).noDecayFor(t -> t.name().startsWith("norm"));
        opt.step(); // zero gradients: only weight decay moves a parameter
        assertEquals(2f, p.value().get(0));
        assertEquals(2f * (1 - 0.1f * 0.5f), q.value().get(0), 1e-7);
    }

    @Test
    void updatesAViewInPlaceAndNothingAroundIt() {
        JsonNode c = ROOT.get("adamw_defaults");
        float[] w = floats(c.get("init").get("v"));
        Tensor storage = Tensor.full(42f, 3, w.length);
        Tensor gradStorage = Tensor.full(-1f, 3, w.length);
        Tensor value = storage.select(1), grad = gradStorage.select(2);
        value.copyFrom(Tensor.of(w, w.length));
        Param view = new Param("v", value, grad);
        AdamW opt = new AdamW(List.of(view), c.get("lr").doubleValue());
        for (int k = 0; k < 3; k++) {
            grad.copyFrom(Tensor.of(floats(c.get("grads").get(k).get("v")), w.length));
            opt.step();
        }
        assertClose(List.of(view), c.get("after").get(2), TOL, "view parameter");
        for (int i = 0; i < w.length; i++) {
            assertEquals(42f, storage.get(0, i));
            assertEquals(42f, storage.get(2, i));
        }
    }

    @Test
    void resultDoesNotDependOnThreadCount() {
        int n = 200_003;
        Random r = new Random(7);
        float[] init = new float[n], grad = new float[n];
        for (int i = 0; i < n; i++) {
            init[i] = (float) r.nextGaussian();
            grad[i] = (float) r.nextGaussian();
        }
        int before = Parallel.threads();
        float[][] results = new float[2][];
        try {
            for (int threads = 1; threads <= 2; threads++) {
                Parallel.setThreads(threads);
                Param p = new Param("p", Tensor.of(init.clone(), n), Tensor.of(grad.clone(), n));
                AdamW opt = new AdamW(List.of(p), 1e-3);
                opt.step();
                opt.step();
                results[threads - 1] = p.value().toArray();
            }
        } finally {
            Parallel.setThreads(before);
        }
        assertArrayEquals(results[0], results[1]);
    }

    @Test
    void rejectsMismatchedGradientAndDuplicateNames() {
        Param bad = new Param("x", Tensor.zeros(2, 3), Tensor.zeros(3, 2));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new AdamW(List.of(bad), 1e-3));
        assertTrue(e.getMessage().contains("'x'") && e.getMessage().contains("[2, 3]"), e.getMessage());
        Param a = new Param("y", Tensor.zeros(2), Tensor.zeros(2));
        assertThrows(IllegalArgumentException.class, () -> new AdamW(List.of(a, a), 1e-3));
    }
}
