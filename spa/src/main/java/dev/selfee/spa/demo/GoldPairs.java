package dev.selfee.spa.demo;

import dev.selfee.spa.gold.GoldJudge;
import dev.selfee.spa.gold.GoldPrompt;
import dev.selfee.spa.train.TokenizedPair;
import java.util.ArrayList;
import java.util.List;

/**
 * Preference pairs labelled by a gold judge from two sampled responses per prompt. Identical
 * responses and gold ties give no pair: the judge prefers neither.
 */
public final class GoldPairs {
    /** One labelled pair as text, with what decided it. */
    public record Labelled(GoldPrompt prompt, String chosen, String rejected, GoldJudge.Decider decidedBy) {}

    private GoldPairs() {}

    public static List<Labelled> label(GoldJudge judge, List<GoldPrompt> prompts, List<List<String>> samples) {
        List<Labelled> out = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            String a = samples.get(i).get(0), b = samples.get(i).get(1);
            if (a.equals(b)) continue;
            GoldJudge.Verdict v = judge.compare(prompts.get(i), a, b);
            if (v.tie()) continue;
            out.add(v.preference() == 0 ? new Labelled(prompts.get(i), a, b, v.decidedBy()) : new Labelled(prompts.get(i), b, a, v.decidedBy()));
        }
        return out;
    }

    public static List<TokenizedPair> tokenize(List<Labelled> pairs, DemoTokenizer tok) {
        List<TokenizedPair> out = new ArrayList<>();
        for (Labelled p : pairs) out.add(new TokenizedPair(out.size(), tok.prompt(p.prompt().prompt()), tok.completion(p.chosen()), tok.completion(p.rejected())));
        return out;
    }
}
