package dev.selfee.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.selfee.engine.Parallel;
import dev.selfee.engine.model.LlamaCheckpoint;
import dev.selfee.engine.model.LlamaModel;
import dev.selfee.engine.model.Scorer;
import dev.selfee.spa.data.Jsonl;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code selfee bench score}: throughput of log-prob scoring, the work of {@code selfee logprobs} without JVM start or file output. */
@Command(name = "score", mixinStandardHelpOptions = true,
        description = {"Sum log p(completion | prompt) for every line of a JSONL file ({prompt_ids, completion_ids} or",
                "{prompt_ids, chosen_ids, rejected_ids}, both scored); ids are taken as given (no EOS appended).",
                "Times whole passes after a warm-up batch; logp_sum lets a peer check it computed the same; compare with bench/torch_score.py."})
final class ScoreBench implements Runnable {
    @Option(names = "--model", required = true, description = "model directory") Path model;
    @Option(names = "--data", required = true, description = "JSONL of token ids") Path data;
    @Option(names = "--batch-size", defaultValue = "8", description = "sequences scored together (default ${DEFAULT-VALUE})") int batchSize;
    @Option(names = "--runs", defaultValue = "3", description = "timed passes; the median is reported (default ${DEFAULT-VALUE})") int runs;
    @Option(names = "--threads", description = "worker threads (default: all cores)") Integer threads;

    @Override
    public void run() {
        if (batchSize <= 0 || runs <= 0) throw new IllegalArgumentException("--batch-size and --runs must be positive");
        if (threads != null) Parallel.setThreads(threads);
        List<int[]> prompts = new ArrayList<>(), completions = new ArrayList<>();
        for (Jsonl.Line l : Jsonl.lines(data)) {
            int[] p = l.ids("prompt_ids");
            if (p.length == 0) throw l.error("field 'prompt_ids' is empty; a completion is scored given at least one token");
            for (String f : l.has("chosen_ids") ? new String[] {"chosen_ids", "rejected_ids"} : new String[] {"completion_ids"}) {
                prompts.add(p);
                completions.add(l.ids(f));
            }
        }
        LlamaModel m = LlamaCheckpoint.load(model);
        int warm = Math.min(prompts.size(), batchSize);
        Scorer.score(m, prompts.subList(0, warm), completions.subList(0, warm), batchSize);
        double[] times = new double[runs];
        float[] logp = null;
        for (int i = 0; i < runs; i++) {
            long t0 = System.nanoTime();
            logp = Scorer.score(m, prompts, completions, batchSize);
            times[i] = (System.nanoTime() - t0) / 1e9;
        }
        long tokens = 0;
        double sum = 0;
        for (int i = 0; i < logp.length; i++) {
            tokens += prompts.get(i).length + completions.get(i).length;
            sum += logp[i];
        }
        double median = Timing.median(times);
        ObjectNode o = BenchCommand.JSON.createObjectNode();
        o.put("op", "score").put("params", m.parameterCount()).put("sequences", logp.length).put("tokens", tokens)
                .put("batch_size", batchSize).put("threads", Parallel.threads())
                .put("sequences_per_s", Timing.round(logp.length / median)).put("tokens_per_s", Timing.round(tokens / median))
                .put("s_median", Timing.round(median)).put("logp_sum", Timing.round(sum)).put("runs", runs);
        System.out.println(o);
    }
}
