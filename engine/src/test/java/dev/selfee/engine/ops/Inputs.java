package dev.selfee.engine.ops;

import dev.selfee.engine.Tensor;
import dev.selfee.engine.autograd.Var;
import java.util.SplittableRandom;

/** Seeded random test inputs. */
final class Inputs {
    private Inputs() {}

    static Tensor uniform(long seed, float lo, float hi, int... shape) {
        Tensor t = Tensor.zeros(shape);
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < t.size(); i++) t.data()[i] = (float) (lo + (hi - lo) * r.nextDouble());
        return t;
    }

    static Var variable(long seed, int... shape) {
        return Var.variable(uniform(seed, -1f, 1f, shape));
    }

    static int[] ids(long seed, int bound, int n) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) ids[i] = r.nextInt(bound);
        return ids;
    }
}
