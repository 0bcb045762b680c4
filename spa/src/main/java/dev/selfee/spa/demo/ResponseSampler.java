package dev.selfee.spa.demo;

import dev.selfee.engine.model.Generator;
import dev.selfee.engine.model.LlamaModel;
import dev.selfee.engine.model.SamplingOptions;
import dev.selfee.spa.Progress;
import java.util.ArrayList;
import java.util.List;

/**
 * Samples responses to many prompts in left-padded batches. Row {@code i·k + j} (sample j of
 * prompt i) draws from its own seeded stream, so the texts do not depend on the batch size.
 */
public final class ResponseSampler {
    private static final int BATCH = 128;

    private ResponseSampler() {}

    /** {@code k} responses per prompt as text: {@code out[i][j]} is sample j of prompt i. */
    public static List<List<String>> sample(LlamaModel model, DemoTokenizer tok, List<String> prompts, int k, double temperature, long seed,
                                            int maxNewTokens, String stage) {
        List<int[]> rows = new ArrayList<>();
        for (String p : prompts) {
            int[] ids = tok.prompt(p);
            for (int j = 0; j < k; j++) rows.add(ids);
        }
        SamplingOptions o = new SamplingOptions(temperature, 0, 1.0, maxNewTokens, seed, new int[] {tok.eos()});
        Progress progress = Progress.onStderr(stage, rows.size());
        List<String> texts = new ArrayList<>(rows.size());
        for (int s = 0; s < rows.size(); s += BATCH) {
            int e = Math.min(rows.size(), s + BATCH);
            for (Generator.Generation g : Generator.generate(model, rows.subList(s, e), o, s)) texts.add(tok.decode(g.tokens()));
            progress.update(e, null);
        }
        List<List<String>> out = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) out.add(List.copyOf(texts.subList(i * k, (i + 1) * k)));
        return out;
    }
}
