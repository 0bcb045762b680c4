package dev.selfee.engine.ops;

import static dev.selfee.engine.ops.Inputs.variable;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.selfee.engine.Tensor;
import dev.selfee.engine.autograd.GradientCheck;
import dev.selfee.engine.autograd.Parameter;
import dev.selfee.engine.autograd.Tape;
import dev.selfee.engine.autograd.Var;
import org.junit.jupiter.api.Test;

/** The LoRA linear op: gradients of x, A and B against finite differences; none for a frozen W. */
class LoraLinearTest {
    @Test
    void gradientsOfInputAndAdaptersMatchFiniteDifferences() {
        Var x = variable(1, 2, 3, 6), a = variable(2, 3, 6), b = variable(3, 5, 3);
        Parameter w = new Parameter("w", Inputs.uniform(4, -1f, 1f, 5, 6)).freeze(), bias = new Parameter("b", Inputs.uniform(5, -1f, 1f, 5)).freeze();
        GradientCheck.require("lora linear", OpGradientTest.TOL, () -> LoraLinear.apply(x, w, bias, a, b, 1.75f), x, a, b);
        assertFalse(w.hasGrad(), "a frozen weight gets no gradient buffer");
        assertFalse(bias.hasGrad(), "a frozen bias gets no gradient buffer");
        assertNull(w.grad());
    }

    @Test
    void valueIsBaseLinearPlusScaledLowRankUpdate() {
        Var x = variable(6, 4, 5), a = variable(7, 2, 5), b = variable(8, 3, 2), w = variable(9, 3, 5);
        float s = 0.5f;
        float[] y = LoraLinear.apply(x, w, null, a, b, s).value().toArray();
        // W + s·B·A by hand
        float[] av = a.value().toArray(), bv = b.value().toArray(), merged = w.value().toArray();
        for (int o = 0; o < 3; o++) for (int i = 0; i < 5; i++) for (int k = 0; k < 2; k++) merged[o * 5 + i] += s * bv[o * 2 + k] * av[k * 5 + i];
        float[] expected = Linear.apply(x, Var.constant(Tensor.of(merged, 3, 5))).value().toArray();
        assertArrayEquals(expected, y, 1e-5f);
    }

    @Test
    void onlyAdaptersReceiveGradientsUnderATape() {
        Var x = Var.constant(Inputs.uniform(10, -1f, 1f, 4, 5));
        Parameter w = new Parameter("w", Inputs.uniform(11, -1f, 1f, 3, 5)).freeze();
        Parameter a = new Parameter("a", Inputs.uniform(12, -1f, 1f, 2, 5)), b = new Parameter("b", Inputs.uniform(13, -1f, 1f, 3, 2));
        try (Tape tape = Tape.start()) {
            Var y = Reduce.sum(LoraLinear.apply(x, w, null, a, b, 2f));
            assertTrue(y.requiresGrad());
            tape.backward(y);
        }
        assertNotNull(a.grad());
        assertNotNull(b.grad());
        assertFalse(w.hasGrad());
    }

    @Test
    void anOptimizerRefusesAFrozenParameter() {
        Parameter w = new Parameter("model.layers.0.self_attn.q_proj.weight", Inputs.uniform(1, -1f, 1f, 3, 5)).freeze();
        var e = assertThrows(IllegalArgumentException.class, () -> new dev.selfee.engine.optim.AdamW(java.util.List.of(w), 1e-3));
        assertTrue(e.getMessage().contains("q_proj.weight' is frozen"), e.getMessage());
        w.unfreeze();
        assertNotNull(w.grad(), "thawed, it trains again");
    }

    @Test
    void mismatchedAdapterShapesAreNamed() {
        Var x = variable(1, 2, 6), w = variable(2, 5, 6), a = variable(3, 3, 4), b = variable(4, 5, 3);
        var e = assertThrows(IllegalArgumentException.class, () -> LoraLinear.apply(x, w, null, a, b, 1f));
        assertTrue(e.getMessage().contains("lora linear") && e.getMessage().contains("[3, 4]"), e.getMessage());
    }
}
