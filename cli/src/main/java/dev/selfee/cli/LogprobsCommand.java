package dev.selfee.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.selfee.engine.backend.Backend;
import dev.selfee.engine.io.AtomicFiles;
import dev.selfee.engine.model.DeviceScorer;
import dev.selfee.engine.model.LlamaCheckpoint;
import dev.selfee.engine.model.LlamaModel;
import dev.selfee.engine.model.Scorer;
import dev.selfee.engine.model.device.DeviceLlama;
import dev.selfee.spa.Progress;
import dev.selfee.spa.data.Jsonl;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code selfee logprobs}: summed log-probabilities of completions given prompts. */
@Command(name = "logprobs", mixinStandardHelpOptions = true,
        description = {"Score completions: log p(completion | prompt) summed over the completion's tokens.",
                "Input lines: {\"prompt\", \"completion\"} -> {\"logp\", \"tokens\"}, or",
                "{\"prompt\", \"chosen\", \"rejected\"} -> {\"logps/chosen\", \"logps/rejected\"};",
                "each field text or token ids (\"prompt_ids\", \"completion_ids\", ...). As TRL: the prompt is encoded with the",
                "tokenizer's special-token rules, the completion without, then the model's EOS is appended (unless already last).",
                "Ids are otherwise taken as given."})
public final class LogprobsCommand implements Runnable {
    @Option(names = "--model", required = true, description = "model directory") Path model;
    @Option(names = "--data", required = true, description = "JSONL input") Path data;
    @Option(names = "--out", required = true, description = "JSONL output, written atomically") Path out;
    @Option(names = "--batch-size", defaultValue = "8", description = "sequences scored together (default ${DEFAULT-VALUE})") int batchSize;
    @picocli.CommandLine.Mixin BackendFlags backendFlags;

    @Override
    public void run() {
        List<Jsonl.Line> lines = Jsonl.lines(data);
        ModelInputs inputs = new ModelInputs(model);
        List<int[]> prompts = new ArrayList<>(), completions = new ArrayList<>();
        boolean[] paired = new boolean[lines.size()];
        for (int i = 0; i < lines.size(); i++) {
            Jsonl.Line l = lines.get(i);
            int[] p = inputs.prompt(l);
            if (p.length == 0) throw l.error("the prompt has no tokens; a completion is scored given at least one token");
            paired[i] = l.has("chosen_ids") || l.has("chosen");
            for (String f : paired[i] ? new String[] {"chosen", "rejected"} : new String[] {"completion"}) {
                prompts.add(p);
                completions.add(inputs.completion(l, f));
            }
        }
        LlamaModel m = LlamaCheckpoint.load(model);
        Progress progress = Progress.onStderr("logprobs", completions.size());
        float[] logp = new float[completions.size()];
        int chunk = Math.max(batchSize, 64); // progress granularity; Scorer batches by length inside a chunk
        Backend be = backendFlags.offload();
        try (DeviceLlama d = be == null ? null : DeviceLlama.uploadFrozen(m, be)) {
            for (int s = 0; s < completions.size(); s += chunk) {
                int e = Math.min(completions.size(), s + chunk);
                float[] part = d == null ? Scorer.score(m, prompts.subList(s, e), completions.subList(s, e), batchSize)
                        : DeviceScorer.score(d, prompts.subList(s, e), completions.subList(s, e), batchSize);
                System.arraycopy(part, 0, logp, s, part.length);
                progress.update(e, null);
            }
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0, k = 0; i < lines.size(); i++) {
            ObjectNode o = BenchCommand.JSON.createObjectNode();
            if (paired[i]) {
                o.put("logps/chosen", logp[k++]).put("logps/rejected", logp[k++]);
            } else {
                o.put("logp", logp[k]).put("tokens", completions.get(k).length);
                k++;
            }
            sb.append(o).append('\n');
        }
        try {
            AtomicFiles.writeString(out, sb.toString());
        } catch (IOException e) {
            throw new IllegalArgumentException(out + ": cannot write: " + e.getMessage());
        }
    }
}
