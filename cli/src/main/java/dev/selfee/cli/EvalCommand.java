package dev.selfee.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.selfee.engine.backend.Backend;
import dev.selfee.engine.io.AtomicFiles;
import dev.selfee.engine.model.DeviceGenerator;
import dev.selfee.engine.model.Generator;
import dev.selfee.engine.model.LlamaCheckpoint;
import dev.selfee.engine.model.LlamaModel;
import dev.selfee.engine.model.SamplingOptions;
import dev.selfee.engine.model.device.DeviceLlama;
import dev.selfee.spa.Progress;
import dev.selfee.spa.data.Jsonl;
import dev.selfee.spa.data.PromptExample;
import dev.selfee.spa.eval.WinRate;
import dev.selfee.spa.judge.ExternalJudge;
import dev.selfee.spa.judge.PairwiseComparison;
import dev.selfee.spa.train.ExampleEncoder;
import dev.selfee.spa.train.Truncation;
import dev.selfee.tokenizer.Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code selfee eval}: the win rate of a model's responses against a baseline's, under an external judge program. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = {"Win rate of --model against --baseline on --prompts, judged by --judge-cmd (ties count half).",
                "The judge reads JSONL {\"prompt\",\"response_a\",\"response_b\"} and writes {\"preference\": 0|1|0.5} per line (0: a is better);",
                "which side is a is drawn at random per prompt. --baseline is a model directory, or a JSONL of {\"prompt\", \"response\"} in prompt order.",
                "Prints {\"win_rate\", \"win_rate_se\", \"ci95\", \"wins\", \"ties\", \"losses\", \"mean_length_model\", \"mean_length_baseline\"}."})
final class EvalCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "model directory (with its tokenizer)") Path model;
    @Option(names = "--baseline", required = true, description = "baseline model directory, or a responses JSONL") Path baseline;
    @Option(names = "--prompts", required = true, description = "JSONL {\"prompt\": ...}") Path prompts;
    @Option(names = "--judge-cmd", required = true, description = "judge program (run with /bin/sh -c)") String judgeCmd;
    @Option(names = "--out", description = "also write each comparison and its verdict here (JSONL)") Path out;
    @Option(names = "--temperature", defaultValue = "0.7", description = "0 = greedy (default ${DEFAULT-VALUE})") double temperature;
    @Option(names = "--top-p", defaultValue = "1.0", description = "(default ${DEFAULT-VALUE})") double topP;
    @Option(names = "--max-new-tokens", defaultValue = "256", description = "(default ${DEFAULT-VALUE})") int maxNewTokens;
    @Option(names = "--batch-size", defaultValue = "8", description = "(default ${DEFAULT-VALUE})") int batchSize;
    @Option(names = "--seed", defaultValue = "0", description = "sampling and a/b order (default ${DEFAULT-VALUE})") long seed;
    @Mixin BackendFlags backendFlags;

    @Override
    public Integer call() throws Exception {
        List<PromptExample> ps = PromptExample.read(prompts);
        Tokenizer tok = Tokenizer.load(model);
        ExampleEncoder enc = new ExampleEncoder(tok, Truncation.none());
        List<int[]> ids = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < ps.size(); i++) {
            ids.add(enc.prompt(ps.get(i).prompt(), prompts + ":" + (i + 1)));
            texts.add(tok.decode(ids.getLast(), true));
        }
        Backend be = backendFlags.offload();
        List<String> mine = respond(LlamaCheckpoint.load(model), tok, ids, "model", be);
        List<String> theirs = Files.isDirectory(baseline) ? respond(LlamaCheckpoint.load(baseline), Tokenizer.load(baseline), ids, "baseline", be)
                : baselineResponses(ps.size());

        SplittableRandom order = new SplittableRandom(seed);
        boolean[] modelIsA = new boolean[ps.size()];
        List<PairwiseComparison> cs = new ArrayList<>();
        for (int i = 0; i < ps.size(); i++) {
            modelIsA[i] = order.nextBoolean();
            cs.add(modelIsA[i] ? new PairwiseComparison(texts.get(i), mine.get(i), theirs.get(i))
                    : new PairwiseComparison(texts.get(i), theirs.get(i), mine.get(i)));
        }
        double[] prefs = new ExternalJudge(judgeCmd).judge(cs);
        double[] scores = new double[prefs.length];
        int wins = 0, ties = 0;
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < prefs.length; i++) {
            scores[i] = prefs[i] == 0.5 ? 0.5 : (prefs[i] == 0) == modelIsA[i] ? 1 : 0;
            if (scores[i] == 1) wins++;
            if (scores[i] == 0.5) ties++;
            lines.append(BenchCommand.JSON.createObjectNode().put("prompt", texts.get(i)).put("model", mine.get(i)).put("baseline", theirs.get(i))
                    .put("model_is_a", modelIsA[i]).put("preference", prefs[i]).put("score", scores[i])).append('\n');
        }
        if (out != null) AtomicFiles.writeString(out, lines.toString());
        WinRate w = WinRate.ofScores(scores);
        ObjectNode o = BenchCommand.JSON.createObjectNode().put("n", w.n()).put("win_rate", w.rate()).put("win_rate_se", w.standardError());
        o.putArray("ci95").add(w.lower95()).add(w.upper95());
        o.put("wins", wins).put("ties", ties).put("losses", prefs.length - wins - ties);
        o.put("mean_length_model", mine.stream().mapToInt(String::length).average().orElse(0));
        o.put("mean_length_baseline", theirs.stream().mapToInt(String::length).average().orElse(0));
        System.out.println(o);
        return 0;
    }

    /** The responses of {@code m} to the prompts, generated on {@code be} (null: the CPU). */
    private List<String> respond(LlamaModel m, Tokenizer tok, List<int[]> ids, String who, Backend be) {
        int[] stops = m.config().eosTokenIds().stream().mapToInt(Integer::intValue).toArray();
        SamplingOptions o = new SamplingOptions(temperature, 0, topP, maxNewTokens, seed, stops);
        List<String> out = new ArrayList<>();
        Progress progress = Progress.onStderr("eval " + who, ids.size());
        try (DeviceLlama d = be == null ? null : DeviceLlama.uploadFrozen(m, be)) {
            for (int at = 0; at < ids.size(); at += batchSize) {
                List<int[]> batch = ids.subList(at, Math.min(ids.size(), at + batchSize));
                for (Generator.Generation g : d == null ? Generator.generate(m, batch, o, at) : DeviceGenerator.generate(d, batch, o, at)) {
                    out.add(tok.decode(g.tokens(), true));
                }
                progress.update(at + batch.size(), null);
            }
        }
        return out;
    }

    private List<String> baselineResponses(int n) {
        List<String> out = Jsonl.read(baseline, (JsonNode o) -> {
            JsonNode r = o.has("response") ? o.get("response") : o.path("responses").path(0);
            if (!r.isTextual()) throw new IllegalArgumentException("needs a string field \"response\" (or \"responses\"[0])");
            return r.asText();
        });
        if (out.size() != n) throw new IllegalArgumentException(baseline + ": has " + out.size() + " responses for " + n + " prompts");
        return out;
    }
}
