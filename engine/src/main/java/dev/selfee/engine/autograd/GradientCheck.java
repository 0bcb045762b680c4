package dev.selfee.engine.autograd;

import dev.selfee.engine.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;

/**
 * Checks an op's hand-written backward against central finite differences.
 *
 * <p>The op's output y is reduced to a scalar L = Σ r·y with a fixed random r, summed in
 * double. The analytic side back-propagates r through the tape. The numeric side perturbs
 * one input element at a time by ±h and ±h/2 (the actual float steps are used, not the
 * nominal ones), evaluates the op under {@link NoGrad}, and Richardson-extrapolates the two
 * central differences, (4·D(h/2) − D(h)) / 3, so the truncation error is O(h⁴) and h can be
 * large enough that fp32 rounding in the forward pass stays small.
 *
 * <p>The error of an input is max |analytic − numeric| divided by the largest numeric
 * gradient magnitude of that input (floored at 1e-3), i.e. relative to the gradient's scale.
 */
public final class GradientCheck {
    /** Nominal perturbation for O(1) inputs. */
    public static final double STEP = 0.03;

    private GradientCheck() {}

    /** One input's outcome: its largest error relative to its gradient's scale. */
    public record Result(int input, double relativeError, double scale, int worstIndex, double analytic, double numeric) {}

    /**
     * Compares gradients of every input. {@code op} must rebuild the output from the inputs'
     * current values each time it is called; the inputs are leaves ({@link Var#variable} or
     * {@link Parameter}) whose values this method perturbs and restores.
     */
    public static List<Result> compare(Supplier<Var> op, List<? extends Var> inputs, long seed) {
        Tensor r;
        try (NoGrad _ = NoGrad.enter()) {
            Tensor y = op.get().value();
            r = Tensor.zeros(y.shape());
            SplittableRandom rnd = new SplittableRandom(seed);
            for (int i = 0; i < r.size(); i++) r.data()[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        for (Var in : inputs) {
            if (!in.requiresGrad()) throw new IllegalArgumentException("GradientCheck: input " + in + " does not require a gradient");
            in.zeroGrad();
        }
        try (Tape tape = Tape.start()) {
            tape.backward(op.get(), r);
        }
        List<Result> results = new ArrayList<>();
        for (int n = 0; n < inputs.size(); n++) {
            Var in = inputs.get(n);
            float[] x = in.value().data(), analytic = in.ensureGrad().toArray();
            int base = in.value().offset(), size = in.value().size();
            double[] numeric = new double[size];
            double scale = 1e-3;
            for (int i = 0; i < size; i++) {
                float orig = x[base + i];
                double h = STEP * Math.max(1.0, Math.abs(orig));
                double d1 = centralDifference(op, r, x, base + i, orig, h);
                double d2 = centralDifference(op, r, x, base + i, orig, h / 2);
                numeric[i] = (4 * d2 - d1) / 3;
                scale = Math.max(scale, Math.abs(numeric[i]));
            }
            double worst = -1;
            int at = 0;
            for (int i = 0; i < size; i++) {
                double e = Math.abs(analytic[i] - numeric[i]) / scale;
                if (e > worst) {
                    worst = e;
                    at = i;
                }
            }
            results.add(new Result(n, Math.max(worst, 0), scale, at, size == 0 ? 0 : analytic[at], size == 0 ? 0 : numeric[at]));
        }
        return results;
    }

    /** Runs {@link #compare} and throws AssertionError naming the op and input when any error exceeds {@code tolerance}. */
    public static void require(String opName, double tolerance, Supplier<Var> op, Var... inputs) {
        for (Result res : compare(op, List.of(inputs), 42)) {
            if (!(res.relativeError() <= tolerance)) {
                throw new AssertionError(opName + ": input " + res.input() + " " + inputs[res.input()] + " gradient error "
                        + res.relativeError() + " > " + tolerance + " (element " + res.worstIndex() + ": analytic " + res.analytic()
                        + ", numeric " + res.numeric() + ", gradient scale " + res.scale() + ")");
            }
        }
    }

    private static double centralDifference(Supplier<Var> op, Tensor r, float[] x, int i, float orig, double h) {
        float plus = (float) (orig + h), minus = (float) (orig - h);
        x[i] = plus;
        double lp = project(op, r);
        x[i] = minus;
        double lm = project(op, r);
        x[i] = orig;
        return (lp - lm) / ((double) plus - (double) minus);
    }

    private static double project(Supplier<Var> op, Tensor r) {
        try (NoGrad _ = NoGrad.enter()) {
            float[] y = op.get().value().toArray(), rd = r.data();
            double s = 0;
            for (int j = 0; j < y.length; j++) s += (double) rd[j] * y[j];
            return s;
        }
    }
}
