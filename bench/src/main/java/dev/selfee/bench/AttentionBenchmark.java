package dev.selfee.bench;

import dev.selfee.engine.Parallel;
import dev.selfee.engine.Tensor;
import dev.selfee.engine.autograd.NoGrad;
import dev.selfee.engine.autograd.Tape;
import dev.selfee.engine.autograd.Var;
import dev.selfee.engine.ops.Attention;
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

/**
 * Causal grouped-query attention ({@link Attention}) on {@code batch × seq} tokens with 8 query
 * heads sharing 2 key/value heads of width 64: the forward pass alone (no tape, as in scoring)
 * and forward plus backward (as in training). Milliseconds per call.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class AttentionBenchmark {
    private static final int HEADS = 8, KV_HEADS = 2, HEAD_DIM = 64;

    @Param({"256", "1024"})
    public int seq;

    @Param({"2"})
    public int batch;

    @Param({"2"})
    public int threads;

    private Tensor q, k, v, mask, dOut;

    @Setup(Level.Trial)
    public void setUp() {
        Parallel.setThreads(threads);
        SplittableRandom r = new SplittableRandom(1);
        q = random(r, batch, seq, HEADS * HEAD_DIM);
        k = random(r, batch, seq, KV_HEADS * HEAD_DIM);
        v = random(r, batch, seq, KV_HEADS * HEAD_DIM);
        dOut = random(r, batch, seq, HEADS * HEAD_DIM);
        mask = Tensor.full(1f, batch, seq);
    }

    private static Tensor random(SplittableRandom r, int... shape) {
        Tensor t = Tensor.zeros(shape);
        float[] d = t.data();
        for (int i = 0; i < d.length; i++) d[i] = (float) r.nextDouble(-1, 1);
        return t;
    }

    @Benchmark
    public Tensor forward() {
        try (NoGrad _ = NoGrad.enter()) {
            return Attention.apply(Var.constant(q), Var.constant(k), Var.constant(v), HEADS, KV_HEADS, mask).value();
        }
    }

    @Benchmark
    public Tensor forwardBackward() {
        Var vq = Var.variable(q), vk = Var.variable(k), vv = Var.variable(v);
        try (Tape tape = Tape.start()) {
            tape.backward(Attention.apply(vq, vk, vv, HEADS, KV_HEADS, mask), dOut);
        }
        return vq.grad();
    }
}
