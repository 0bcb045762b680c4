package dev.selfee.engine.ops;

import static org.junit.jupiter.api.Assertions.*;

import dev.selfee.engine.Parallel;
import dev.selfee.engine.Tensor;
import dev.selfee.engine.autograd.Tape;
import dev.selfee.engine.autograd.Var;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The row-wise ops and attention split work so that their bits do not depend on the thread count. */
class ThreadCountTest {
    static List<float[]> run() {
        Var x = Inputs.variable(1, 3, 100, 64), w = Var.variable(Inputs.uniform(2, 0.5f, 1.5f, 64));
        Var k = Inputs.variable(3, 3, 100, 32), v = Inputs.variable(4, 3, 100, 32);
        Tensor mask = Tensor.full(1f, 3, 100);
        mask.set(0f, 1, 0);
        int[] targets = Inputs.ids(5, 64, 300);
        Var loss;
        try (Tape tape = Tape.start()) {
            Var h = RmsNorm.apply(x, w, 1e-5f);
            Var q = new Rope(8, 1e4).apply(h, 8, Rope.positions(3, 100, 0));
            Var a = Attention.apply(q, k, v, 8, 4, mask);
            loss = CrossEntropy.apply(SwiGlu.apply(a, Softmax.log(h)), targets);
            tape.backward(loss);
        }
        List<float[]> out = new ArrayList<>();
        out.add(loss.value().toArray());
        for (Var p : List.of(x, w, k, v)) out.add(p.grad().toArray());
        return out;
    }

    @Test
    void oneTwoAndThreeThreadsGiveTheSameBits() {
        int before = Parallel.threads();
        try {
            Parallel.setThreads(1);
            List<float[]> one = run();
            for (int n : new int[] {2, 3}) {
                Parallel.setThreads(n);
                List<float[]> many = run();
                for (int i = 0; i < one.size(); i++) assertArrayEquals(one.get(i), many.get(i), n + " threads, tensor " + i);
            }
        } finally {
            Parallel.setThreads(before);
        }
    }
}
