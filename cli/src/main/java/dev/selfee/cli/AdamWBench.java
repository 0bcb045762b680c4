package dev.selfee.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.selfee.engine.Parallel;
import dev.selfee.engine.Tensor;
import dev.selfee.engine.optim.AdamW;
import dev.selfee.engine.optim.Trainable;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code selfee bench adamw}: one AdamW step over a parameter of the given size; compare with tools/bench_adamw_torch.py. */
@Command(name = "adamw", description = "AdamW step time over one fp32 parameter after warm-up.", mixinStandardHelpOptions = true)
final class AdamWBench implements Runnable {
    @Option(names = "--params", description = "number of parameters (default ${DEFAULT-VALUE})", defaultValue = "16777216")
    int params;
    @Option(names = "--threads", description = "worker threads (default: all cores)") Integer threads;
    @Option(names = "--seconds", description = "measuring time after warm-up (default ${DEFAULT-VALUE})", defaultValue = "3")
    double seconds;

    private record Param(String name, Tensor value, Tensor grad) implements Trainable {}

    @Override
    public void run() {
        if (params <= 0) throw new IllegalArgumentException("--params must be positive, got " + params);
        if (threads != null) Parallel.setThreads(threads);
        SplittableRandom r = new SplittableRandom(1);
        Param p = new Param("p", Tensor.zeros(params), Tensor.zeros(params));
        for (int i = 0; i < params; i++) {
            p.value().data()[i] = (float) r.nextDouble(-1, 1);
            p.grad().data()[i] = (float) r.nextDouble(-1e-2, 1e-2);
        }
        AdamW opt = new AdamW(List.of(p), 1e-3);
        double[] times = Timing.measure(opt::step, seconds);
        double median = Timing.median(times);
        ObjectNode o = BenchCommand.JSON.createObjectNode();
        o.put("op", "adamw").put("params", params).put("threads", Parallel.threads())
                .put("ms_median", Timing.round(median * 1e3))
                .put("ms_best", Timing.round(Arrays.stream(times).min().orElseThrow() * 1e3))
                .put("ns_per_param", Timing.round(median * 1e9 / params)).put("runs", times.length);
        System.out.println(o);
    }
}
