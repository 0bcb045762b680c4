package dev.selfee.engine.autograd;

import static org.junit.jupiter.api.Assertions.*;

import dev.selfee.engine.Tensor;
import dev.selfee.engine.ops.Arithmetic;
import dev.selfee.engine.ops.Linear;
import dev.selfee.engine.ops.Reduce;
import java.util.List;
import org.junit.jupiter.api.Test;

class TapeTest {
    static Parameter weight() {
        return new Parameter("w", Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3));
    }

    static Var input() {
        return Var.constant(Tensor.of(new float[] {1, -1, 0.5f}, 1, 3));
    }

    @Test
    void backwardAccumulatesIntoParametersUntilZeroed() {
        Parameter w = weight();
        Var x = input();
        try (Tape tape = Tape.start()) {
            tape.backward(Reduce.sum(Linear.apply(x, w)));
            assertEquals(0, tape.size(), "backward consumes the tape");
            assertArrayEquals(new float[] {1, -1, 0.5f, 1, -1, 0.5f}, w.grad().toArray());
            Var y = Linear.apply(x, w);
            tape.backward(Reduce.sum(y)); // gradient accumulation: a second micro-batch
            assertNull(y.grad(), "an intermediate gradient goes back to the tape after the pass");
            assertArrayEquals(new float[] {2, -2, 1, 2, -2, 1}, w.grad().toArray());
            w.zeroGrad();
            tape.backward(Reduce.sum(Linear.apply(x, w))); // recycled buffers start from zero again
            assertArrayEquals(new float[] {1, -1, 0.5f, 1, -1, 0.5f}, w.grad().toArray());
        }
        w.zeroGrad();
        assertArrayEquals(new float[6], w.grad().toArray());
    }

    @Test
    void noGradRecordsNothingAndAllocatesNoGradient() {
        Parameter w = weight();
        try (Tape tape = Tape.start()) {
            Var y;
            try (NoGrad _ = NoGrad.enter()) {
                assertTrue(NoGrad.active());
                y = Reduce.sum(Linear.apply(input(), w));
            }
            assertFalse(NoGrad.active());
            assertFalse(y.requiresGrad());
            assertEquals(0, tape.size());
            assertEquals(2.5f, y.value().data()[0], 1e-6); // (1 - 2 + 1.5) + (4 - 5 + 3)
            var e = assertThrows(IllegalArgumentException.class, () -> tape.backward(y));
            assertTrue(e.getMessage().contains("NoGrad"), e.getMessage());
        }
        assertFalse(w.hasGrad(), "no gradient memory was allocated");
    }

    @Test
    void withoutATapeNothingIsRecorded() {
        Parameter w = weight();
        Var y = Linear.apply(input(), w);
        assertFalse(y.requiresGrad());
        assertNull(Tape.recording());
        try (Tape t = Tape.start()) {
            assertSame(t, Tape.recording());
            Var z = Linear.apply(input(), w);
            assertTrue(z.requiresGrad());
            assertEquals(1, t.size());
            Var c = Arithmetic.add(input(), input());
            assertFalse(c.requiresGrad(), "ops on constants are not recorded");
            assertEquals(1, t.size());
        }
        assertNull(Tape.recording());
    }

    @Test
    void misuseFailsClearly() {
        Parameter w = weight();
        try (Tape tape = Tape.start()) {
            Var y = Linear.apply(input(), w);
            var e = assertThrows(IllegalArgumentException.class, () -> tape.backward(y));
            assertTrue(e.getMessage().contains("one value"), e.getMessage());
            Var loss = Reduce.sum(y);
            tape.backward(loss);
            assertThrows(IllegalStateException.class, () -> tape.backward(loss), "a consumed graph cannot run twice");
            Var other;
            try (Tape _ = Tape.start()) {
                other = Reduce.sum(Linear.apply(input(), w));
            }
            var e2 = assertThrows(IllegalArgumentException.class, () -> tape.backward(other));
            assertTrue(e2.getMessage().contains("another tape"), e2.getMessage());
        }
        Tape outer = Tape.start(), inner = Tape.start();
        assertThrows(IllegalStateException.class, outer::close, "nested tapes close innermost first");
        inner.close();
        outer.close();
        assertNull(Tape.recording());
    }

    @Test
    void gradientCheckCatchesAWrongBackward() {
        Var x = Var.variable(Tensor.of(new float[] {0.3f, -0.7f, 1.1f}, 3));
        // y = x², with a backward that forgets the factor 2
        java.util.function.Supplier<Var> square = () -> {
            Tensor v = x.value(), y = Tensor.zeros(3);
            for (int i = 0; i < 3; i++) y.data()[i] = v.data()[i] * v.data()[i];
            return Tape.output(y, g -> {
                for (int i = 0; i < 3; i++) x.ensureGrad().data()[i] += g.data()[i] * v.data()[i];
            }, x);
        };
        List<GradientCheck.Result> r = GradientCheck.compare(square, List.of(x), 7);
        assertTrue(r.get(0).relativeError() > 0.3, "error " + r.get(0).relativeError());
        assertThrows(AssertionError.class, () -> GradientCheck.require("bad square", 1e-3, square, x));
        GradientCheck.require("mul", 1e-3, () -> Arithmetic.mul(x, x), x);
    }
}
