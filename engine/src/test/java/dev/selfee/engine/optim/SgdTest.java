package dev.selfee.engine.optim;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.selfee.engine.optim.OptimFixture.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

class SgdTest {
    private static void runAgainstTorch(String key) {
        JsonNode c = ROOT.get(key);
        List<Param> ps = params(c.get("init"));
        Sgd opt = new Sgd(ps, c.get("lr").doubleValue(), c.get("momentum").doubleValue(), c.get("dampening").doubleValue(),
                c.get("weight_decay").doubleValue(), c.get("nesterov").booleanValue());
        for (int k = 0; k < 3; k++) {
            setGrads(ps, c.get("grads").get(k));
            opt.step();
            assertClose(ps, c.get("after").get(k), 1e-6, key + " step " + (k + 1));
        }
        assertEquals(3, opt.steps());
    }

    @Test
    void momentumDampeningAndWeightDecayEqualTorch() {
        runAgainstTorch("sgd_momentum");
    }

    @Test
    void nesterovEqualsTorch() {
        runAgainstTorch("sgd_nesterov");
    }
}
