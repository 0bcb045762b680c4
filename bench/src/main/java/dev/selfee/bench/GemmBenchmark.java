package dev.selfee.bench;

import dev.selfee.engine.Parallel;
import dev.selfee.engine.kernel.Gemm;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
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
 * fp32 GEMM {@code C = op(A)·op(B)}: square 1024³ in each transpose, the projections of a
 * transformer block on 256 tokens (width 512, MLP 1536) forward and backward, and the
 * one-token products of generation. Reports calls per second and, as the {@code gflop}
 * counter, GFLOP/s.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class GemmBenchmark {
    /**
     * {@code trans:m×n×k}; trans is nn (A·B), nt (A·Bᵀ, a Linear layer with an [out, in]
     * weight), tn (Aᵀ·B, its weight gradient) or tt.
     */
    @Param({
            "nn:1024x1024x1024", "nt:1024x1024x1024", "tn:1024x1024x1024", "tt:1024x1024x1024",
            "nt:256x1536x512",   // up-projection forward: X[256×512] · W[1536×512]ᵀ
            "nt:256x512x1536",   // down-projection forward: H[256×1536] · W[512×1536]ᵀ
            "nn:256x512x1536",   // input gradient of the up-projection: dY[256×1536] · W[1536×512]
            "tn:1536x512x256",   // weight gradient of the up-projection: dY[256×1536]ᵀ · X[256×512]
            "nt:1x2048x2048",    // one token through a Linear layer
            "nn:1x2048x2048"})   // one token times a k×n matrix
    public String shape;

    @Param({"2"})
    public int threads;

    private boolean transA, transB;
    private int m, n, k, lda, ldb;
    private float[] a, b, c;

    @Setup(Level.Trial)
    public void setUp() {
        String[] parts = shape.split("[:x]");
        if (parts.length != 4 || !parts[0].matches("[nt][nt]")) {
            throw new IllegalArgumentException("shape must look like nt:256x1536x512 (trans:m×n×k), got '" + shape + "'");
        }
        transA = parts[0].charAt(0) == 't';
        transB = parts[0].charAt(1) == 't';
        m = Integer.parseInt(parts[1]);
        n = Integer.parseInt(parts[2]);
        k = Integer.parseInt(parts[3]);
        lda = transA ? m : k;
        ldb = transB ? k : n;
        a = random(m * k, 1);
        b = random(k * n, 2);
        c = new float[m * n];
        Parallel.setThreads(threads);
    }

    private static float[] random(int size, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[size];
        for (int i = 0; i < size; i++) x[i] = (float) r.nextDouble(-1, 1);
        return x;
    }

    /** Floating-point work done, reported by JMH as a rate: GFLOP/s. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Flops {
        public double gflop;
    }

    @Benchmark
    public float[] gemm(Flops flops) {
        Gemm.gemm(transA, transB, m, n, k, 1f, a, 0, lda, b, 0, ldb, 0f, c, 0, n);
        flops.gflop += 2e-9 * m * n * k;
        return c;
    }
}
