package dev.selfee.spa.judge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.selfee.spa.data.Jsonl;
import dev.selfee.spa.train.ExampleEncoder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Judges a generations file ({@code {"prompt", "prompt_ids", "responses", "responses_ids"}} per
 * line, as {@code selfee generate} and the SPA loop write it) into preference pairs, one JSONL line
 * per judged prompt: the texts and ids of prompt, chosen and rejected, both rewards and the
 * β-scaled probability. Responses are scored as they are trained: followed by EOS.
 */
public final class GenerationsJudging {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The pairs file's text and how many prompts gave no pair (all samples identical). */
    public record Result(String pairsJsonl, int pairs, int prompts, double meanProbability) {
        public int identicalDropped() {
            return prompts - pairs;
        }
    }

    private GenerationsJudging() {}

    public static Result judge(ImplicitRewardJudge judge, Path generations, int eosId, long seed) {
        List<JsonNode> gens = Jsonl.read(generations, o -> {
            Jsonl.requireIntArray(o, "prompt_ids");
            JsonNode r = o.get("responses_ids");
            if (r == null || !r.isArray() || r.isEmpty()) throw new IllegalArgumentException("field \"responses_ids\" must be a non-empty array of id arrays");
            for (int k = 0; k < r.size(); k++) {
                if (!r.get(k).isArray()) throw new IllegalArgumentException("field \"responses_ids\"[" + k + "] must be an array of integers");
            }
            return o;
        });
        List<int[]> prompts = new ArrayList<>();
        List<List<int[]>> responses = new ArrayList<>();
        for (JsonNode g : gens) {
            prompts.add(Jsonl.requireIntArray(g, "prompt_ids"));
            List<int[]> rs = new ArrayList<>();
            for (JsonNode r : g.get("responses_ids")) rs.add(ExampleEncoder.appendEos(ids(r), eosId));
            responses.add(rs);
        }
        List<JudgedPair> pairs = judge.judge(prompts, responses, seed);
        StringBuilder out = new StringBuilder();
        double meanProbability = 0;
        for (JudgedPair p : pairs) {
            JsonNode g = gens.get(p.promptIndex());
            ObjectNode o = JSON.createObjectNode();
            o.put("prompt_index", p.promptIndex());
            if (g.has("prompt")) o.set("prompt", g.get("prompt"));
            if (g.has("responses")) {
                o.set("chosen", g.get("responses").get(p.chosen()));
                o.set("rejected", g.get("responses").get(p.rejected()));
            }
            o.set("prompt_ids", g.get("prompt_ids"));
            o.set("chosen_ids", g.get("responses_ids").get(p.chosen()));
            o.set("rejected_ids", g.get("responses_ids").get(p.rejected()));
            o.put("reward_chosen", p.rewardChosen()).put("reward_rejected", p.rewardRejected()).put("probability", p.probability());
            out.append(o).append('\n');
            meanProbability += p.probability() / pairs.size();
        }
        return new Result(out.toString(), pairs.size(), prompts.size(), meanProbability);
    }

    private static int[] ids(JsonNode array) {
        int[] out = new int[array.size()];
        for (int j = 0; j < out.length; j++) out[j] = array.get(j).asInt();
        return out;
    }

}
