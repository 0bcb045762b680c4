package dev.selfee.bench;

import dev.selfee.engine.Parallel;
import dev.selfee.engine.Tensor;
import dev.selfee.engine.autograd.NoGrad;
import dev.selfee.engine.autograd.Tape;
import dev.selfee.engine.autograd.Var;
import dev.selfee.engine.ops.RmsNorm;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** RMSNorm ({@link RmsNorm}) of {@code rows × width} activations: forward alone, and forward plus backward. Milliseconds per call. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class RmsNormBenchmark {
    @Param({"1024x2048", "256x512"})
    public String shape;

    @Param({"2"})
    public int threads;

    private Tensor x, w, dOut;

    @Setup(Level.Trial)
    public void setUp() {
        Parallel.setThreads(threads);
        String[] p = shape.split("x");
        int rows = Integer.parseInt(p[0]), width = Integer.parseInt(p[1]);
        SplittableRandom r = new SplittableRandom(2);
        x = Tensor.zeros(rows, width);
        dOut = Tensor.zeros(rows, width);
        w = Tensor.zeros(width);
        for (int i = 0; i < x.data().length; i++) {
            x.data()[i] = (float) r.nextDouble(-2, 2);
            dOut.data()[i] = (float) r.nextDouble(-1, 1);
        }
        for (int i = 0; i < width; i++) w.data()[i] = (float) r.nextDouble(0.5, 1.5);
    }

    @Benchmark
    public Tensor forward() {
        try (NoGrad _ = NoGrad.enter()) {
            return RmsNorm.apply(Var.constant(x), Var.constant(w), 1e-5f).value();
        }
    }

    @Benchmark
    public Tensor forwardBackward() {
        Var vx = Var.variable(x), vw = Var.variable(w);
        try (Tape tape = Tape.start()) {
            tape.backward(RmsNorm.apply(vx, vw, 1e-5f), dOut);
        }
        return vx.grad();
    }
}
