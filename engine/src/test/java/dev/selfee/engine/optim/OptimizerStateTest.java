package dev.selfee.engine.optim;

import com.fasterxml.jackson.databind.JsonNode;
import dev.selfee.engine.Tensor;
import dev.selfee.engine.io.CheckpointException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;

import static dev.selfee.engine.optim.OptimFixture.*;
import static org.junit.jupiter.api.Assertions.*;

/** Saving after step 1 and resuming in a fresh optimizer gives torch's steps 2 and 3. */
class OptimizerStateTest {
    @TempDir
    Path dir;

    private void resumeMatchesTorch(String key, Function<List<Param>, Optimizer> make) throws Exception {
        JsonNode c = ROOT.get(key);
        List<Param> ps = params(c.get("init"));
        Optimizer first = make.apply(ps);
        setGrads(ps, c.get("grads").get(0));
        first.step();
        Path state = dir.resolve(key + ".safetensors");
        first.saveState(state);

        List<Param> resumed = params(c.get("after").get(0));
        Optimizer second = make.apply(resumed);
        second.loadState(state);
        assertEquals(1, second.steps());
        for (int k = 1; k < 3; k++) {
            setGrads(resumed, c.get("grads").get(k));
            second.step();
            assertClose(resumed, c.get("after").get(k), AdamWTest.TOL, key + " resumed step " + (k + 1));
        }
    }

    @Test
    void adamWResumes() throws Exception {
        JsonNode c = ROOT.get("adamw");
        resumeMatchesTorch("adamw", ps -> new AdamW(ps, c.get("lr").doubleValue(), c.get("beta1").doubleValue(),
                c.get("beta2").doubleValue(), c.get("eps").doubleValue(), c.get("weight_decay").doubleValue()));
    }

    @Test
    void scheduledAdamWResumesAtTheRightLearningRate() throws Exception {
        JsonNode c = ROOT.get("adamw_linear_warmup");
        resumeMatchesTorch("adamw_linear_warmup", ps -> new AdamW(ps, c.get("lr").doubleValue())
                .schedule(LrSchedule.linearWithWarmup(c.get("warmup").longValue(), c.get("total").longValue())));
    }

    @Test
    void sgdMomentumResumes() throws Exception {
        JsonNode c = ROOT.get("sgd_momentum");
        resumeMatchesTorch("sgd_momentum", ps -> new Sgd(ps, c.get("lr").doubleValue(), c.get("momentum").doubleValue(),
                c.get("dampening").doubleValue(), c.get("weight_decay").doubleValue(), false));
    }

    @Test
    void stateOfAnotherOptimizerOrShapeIsRefused() throws Exception {
        Param p = new Param("layer.weight", Tensor.zeros(2, 3), Tensor.full(1f, 2, 3));
        Sgd sgd = new Sgd(List.of(p), 0.1, 0.9, 0, 0, false);
        sgd.step();
        Path sgdState = dir.resolve("sgd.safetensors");
        sgd.saveState(sgdState);
        CheckpointException e = assertThrows(CheckpointException.class, () -> new AdamW(List.of(p), 0.1).loadState(sgdState));
        assertTrue(e.getMessage().contains("sgd.safetensors") && e.getMessage().contains("'sgd'"), e.getMessage());

        Param other = new Param("layer.weight", Tensor.zeros(3, 2), Tensor.zeros(3, 2));
        Sgd wrongShape = new Sgd(List.of(other), 0.1, 0.9, 0, 0, false);
        e = assertThrows(CheckpointException.class, () -> wrongShape.loadState(sgdState));
        assertTrue(e.getMessage().contains("'layer.weight.momentum_buffer'") && e.getMessage().contains("[2, 3]"), e.getMessage());

        Param renamed = new Param("other.weight", Tensor.zeros(2, 3), Tensor.zeros(2, 3));
        e = assertThrows(CheckpointException.class, () -> new Sgd(List.of(renamed), 0.1, 0.9, 0, 0, false).loadState(sgdState));
        assertTrue(e.getMessage().contains("'other.weight.momentum_buffer'"), e.getMessage());
    }
}
