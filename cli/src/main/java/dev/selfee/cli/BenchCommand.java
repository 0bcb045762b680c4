package dev.selfee.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.selfee.engine.Parallel;
import dev.selfee.engine.backend.Backend;
import dev.selfee.engine.backend.Backends;
import dev.selfee.engine.backend.DeviceBuffer;
import java.util.Arrays;
import java.util.SplittableRandom;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code selfee bench ...}: quick measurements that print one JSON line, to compare with a peer in the same run. */
@Command(name = "bench", description = "Measure kernels and jobs; prints one JSON line per measurement.",
        mixinStandardHelpOptions = true, subcommands = {
                BenchCommand.GemmBench.class,
                AdamWBench.class,
                GenerateBench.class,
                TrainStepBench.class,
                ScoreBench.class,
                DpoStepBench.class,
                TokenizeBench.class})
public final class BenchCommand implements Runnable {
    static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }

    @Command(name = "gemm", description = "fp32 GEMM C = op(A)·op(B) of size m×k · k×n after warm-up.", mixinStandardHelpOptions = true)
    static final class GemmBench implements Runnable {
        @Option(names = "--size", description = "m = n = k (default ${DEFAULT-VALUE})", defaultValue = "1024")
        int size;
        @Option(names = "--m", description = "rows of C (overrides --size)") Integer m;
        @Option(names = "--n", description = "columns of C (overrides --size)") Integer n;
        @Option(names = "--k", description = "inner dimension (overrides --size)") Integer k;
        @Option(names = "--threads", description = "worker threads (default: all cores)") Integer threads;
        @Option(names = "--trans", description = "nn, nt (A·Bᵀ), tn (Aᵀ·B) or tt (default ${DEFAULT-VALUE})", defaultValue = "nn")
        String trans;
        @Option(names = "--seconds", description = "measuring time after warm-up (default ${DEFAULT-VALUE})", defaultValue = "3")
        double seconds;
        @Option(names = "--backend", description = "cpu or opencl (default: $SELFEE_BACKEND, else cpu)")
        String backend;
        @Option(names = "--device", description = "device index of the backend, as 'selfee devices' lists them (default 0)")
        Integer device;

        @Override
        public void run() {
            if (threads != null) Parallel.setThreads(threads);
            int mm = m != null ? m : size, nn = n != null ? n : size, kk = k != null ? k : size;
            if (mm <= 0 || nn <= 0 || kk <= 0) throw new IllegalArgumentException("--size/--m/--n/--k must be positive");
            if (!trans.matches("[nt][nt]")) throw new IllegalArgumentException("--trans must be nn, nt, tn or tt, got '" + trans + "'");
            boolean ta = trans.charAt(0) == 't', tb = trans.charAt(1) == 't';
            SplittableRandom r = new SplittableRandom(1);
            float[] a = new float[mm * kk], b = new float[kk * nn], c = new float[mm * nn];
            for (int i = 0; i < a.length; i++) a[i] = (float) r.nextDouble(-1, 1);
            for (int i = 0; i < b.length; i++) b[i] = (float) r.nextDouble(-1, 1);
            int lda = ta ? mm : kk, ldb = tb ? kk : nn;
            Backend be = Backends.select(backend, device);
            double[] times;
            // operands are uploaded once: the measurement is the kernel, waited for, without transfers
            try (DeviceBuffer da = be.upload(a); DeviceBuffer db = be.upload(b); DeviceBuffer dc = be.upload(c)) {
                Runnable op = () -> {
                    be.gemm(ta, tb, mm, nn, kk, 1f, da, 0, lda, db, 0, ldb, 0f, dc, 0, nn);
                    be.synchronize();
                };
                times = Timing.measure(op, seconds);
            }
            double best = Arrays.stream(times).min().orElseThrow();
            double median = Timing.median(times);
            double flops = 2.0 * mm * nn * kk;
            ObjectNode o = JSON.createObjectNode();
            o.put("op", "gemm").put("backend", be.name()).put("device", be.deviceDescription())
                    .put("trans", trans).put("m", mm).put("n", nn).put("k", kk)
                    .put("threads", Parallel.threads())
                    .put("gflops", Timing.round(flops / median / 1e9))
                    .put("gflops_best", Timing.round(flops / best / 1e9))
                    .put("ms_median", Timing.round(median * 1e3)).put("runs", times.length);
            System.out.println(o);
        }
    }
}
