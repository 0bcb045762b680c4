package dev.selfee.spa.demo;

import dev.selfee.engine.model.LlamaModel;
import java.util.ArrayList;
import java.util.List;

/**
 * A model's responses to the held-out prompts: one pass per evaluation seed, sampled at
 * T = {@value DemoHyperparameters#EVAL_TEMPERATURE}, then one greedy pass. Every model is sampled
 * with the same seeds, so the SFT model compared with itself ties everywhere.
 *
 * @param sampled {@code sampled[s][i]}: the response to prompt i in pass s
 * @param greedy  the greedy response to each prompt
 */
public record EvalResponses(List<List<String>> sampled, List<String> greedy) {
    public static EvalResponses of(LlamaModel model, DemoTokenizer tok, List<String> prompts, int seeds, long seed, int maxNewTokens, String stage) {
        List<List<String>> sampled = new ArrayList<>();
        for (int s = 0; s < seeds; s++) {
            sampled.add(firsts(ResponseSampler.sample(model, tok, prompts, 1, DemoHyperparameters.EVAL_TEMPERATURE, seed + 7919L * s, maxNewTokens,
                    stage + " eval " + (s + 1) + "/" + (seeds + 1))));
        }
        List<String> greedy = firsts(ResponseSampler.sample(model, tok, prompts, 1, 0, 0, maxNewTokens, stage + " eval greedy"));
        return new EvalResponses(sampled, greedy);
    }

    private static List<String> firsts(List<List<String>> samples) {
        List<String> out = new ArrayList<>();
        for (List<String> s : samples) out.add(s.get(0));
        return out;
    }
}
