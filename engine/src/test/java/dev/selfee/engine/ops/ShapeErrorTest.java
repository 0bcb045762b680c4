package dev.selfee.engine.ops;

import static org.junit.jupiter.api.Assertions.*;

import dev.selfee.engine.Tensor;
import dev.selfee.engine.autograd.Var;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Mismatched inputs fail with one message naming the op and the shapes involved; nothing broadcasts. */
class ShapeErrorTest {
    static Var z(int... shape) {
        return Var.constant(Tensor.zeros(shape));
    }

    static void fails(Executable call, String... fragments) {
        var e = assertThrows(IllegalArgumentException.class, call);
        for (String f : fragments) assertTrue(e.getMessage().contains(f), "'" + e.getMessage() + "' should mention " + f);
    }

    @Test
    void mismatchesNameTheOpAndShapes() {
        fails(() -> Arithmetic.add(z(2, 3), z(3, 2)), "add", "[2, 3]", "[3, 2]");
        fails(() -> Arithmetic.sub(z(2, 3), z(2)), "sub", "[2, 3]", "[2]");
        fails(() -> Arithmetic.mul(z(2, 3), z(1, 3)), "mul", "[2, 3]", "[1, 3]");
        fails(() -> Linear.apply(z(2, 5), z(4, 6)), "linear", "[2, 5]", "[4, 6]");
        fails(() -> Linear.apply(z(2, 5), z(4, 5), z(5)), "linear", "bias", "[5]", "[4, 5]");
        fails(() -> MatMul.apply(z(2, 5), z(4, 3)), "matmul", "[2, 5]", "[4, 3]");
        fails(() -> RmsNorm.apply(z(2, 5), z(4), 1e-5f), "rms_norm", "[2, 5]", "[4]");
        fails(() -> SwiGlu.apply(z(2, 5), z(2, 4)), "swiglu", "[2, 5]", "[2, 4]");
        fails(() -> new Rope(4, 1e4).apply(z(1, 3, 12), 2, new int[3]), "rope", "[1, 3, 12]");
        fails(() -> new Rope(4, 1e4).apply(z(1, 3, 8), 2, new int[4]), "rope", "4 positions", "[1, 3, 8]");
        fails(() -> Attention.apply(z(1, 3, 16), z(1, 3, 8), z(1, 3, 8), 4, 3, null), "attention", "kv_heads 3", "heads 4");
        fails(() -> Attention.apply(z(1, 3, 16), z(1, 3, 6), z(1, 3, 6), 4, 2, null), "attention", "[1, 3, 16]", "[1, 3, 6]");
        fails(() -> Attention.apply(z(1, 3, 16), z(1, 3, 8), z(1, 3, 8), 4, 2, Tensor.zeros(1, 4)), "attention", "[1, 4]", "[1, 3]");
        fails(() -> Embedding.apply(z(5, 3), new int[] {1, 5}, 2), "embedding", "id 5", "[0, 5)");
        fails(() -> CrossEntropy.apply(z(2, 3, 5), new int[5]), "cross_entropy", "5 targets", "[2, 3, 5]");
        fails(() -> CrossEntropy.apply(z(2, 5), new int[] {1, 7}), "cross_entropy", "target 7", "row 1");
        fails(() -> CrossEntropy.apply(z(2, 5), new int[] {-100, -100}), "cross_entropy", "no counted tokens");
        fails(() -> SequenceLogProbs.apply(z(2, 3, 5), new int[6], Tensor.zeros(3, 2)), "sequence_logprobs", "[3, 2]", "[2, 3]");
    }
}
