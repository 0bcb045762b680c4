package dev.selfee.spa.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.selfee.engine.io.LlamaConfig;
import dev.selfee.engine.model.LlamaModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The DPO fixtures written by tools/make_dpo_fixtures.py, and tiny models for fast trainer tests. */
final class TrainFixtures {
    private TrainFixtures() {}

    static Path dpoDir() {
        var url = TrainFixtures.class.getResource("/train/dpo/fixture.json");
        if (url == null) throw new IllegalStateException("DPO fixtures missing: run tools/make_dpo_fixtures.py");
        try {
            return Path.of(url.toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static JsonNode dpoFixture() {
        try {
            return new ObjectMapper().readTree(Files.readString(dpoDir().resolve("fixture.json")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static int[] ints(JsonNode a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = a.get(i).asInt();
        return out;
    }

    static List<TokenizedPair> fixturePairs(JsonNode fixture) {
        List<TokenizedPair> out = new ArrayList<>();
        for (JsonNode p : fixture.get("pairs")) {
            out.add(new TokenizedPair(out.size(), ints(p.get("prompt_ids")), ints(p.get("chosen_ids")), ints(p.get("rejected_ids"))));
        }
        return out;
    }

    /** A tiny Llama (hidden 32, 2 layers, vocab {@code vocab}). */
    static LlamaConfig tinyConfig(int vocab) {
        String json = """
                {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": %d, "hidden_size": 32,
                 "intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
                 "max_position_embeddings": 128, "rms_norm_eps": 1e-5, "rope_theta": 10000.0, "tie_word_embeddings": false,
                 "bos_token_id": 1, "eos_token_id": 2, "pad_token_id": 0, "torch_dtype": "float32"}
                """.formatted(vocab);
        try {
            Path f = Files.createTempFile("tiny-config", ".json");
            Files.writeString(f, json);
            LlamaConfig c = LlamaConfig.read(f);
            Files.delete(f);
            return c;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every parameter's values, in the model's parameter order. */
    static float[] weights(LlamaModel m) {
        float[] all = new float[(int) m.parameterCount()];
        int k = 0;
        for (dev.selfee.engine.autograd.Parameter p : m.parameters().values()) for (float v : p.value().toArray()) all[k++] = v;
        return all;
    }

    static LlamaModel tinyModel(int vocab, long seed) {
        return LlamaModel.random(tinyConfig(vocab), seed, 0.2);
    }

    /** {@code n} pairs of random ids in [3, vocab) with prompts starting with BOS 1 and completions ending with EOS 2. */
    static List<TokenizedPair> randomPairs(int n, int vocab, long seed) {
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
        List<TokenizedPair> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(new TokenizedPair(i, seq(r, 1, 2 + r.nextInt(5), vocab, false), seq(r, -1, 1 + r.nextInt(5), vocab, true),
                seq(r, -1, 1 + r.nextInt(5), vocab, true)));
        return out;
    }

    static List<TokenizedExample> randomExamples(int n, int vocab, long seed) {
        List<TokenizedExample> out = new ArrayList<>();
        for (TokenizedPair p : randomPairs(n, vocab, seed)) out.add(new TokenizedExample(p.index(), p.prompt(), p.chosen()));
        return out;
    }

    private static int[] seq(java.util.SplittableRandom r, int first, int len, int vocab, boolean eos) {
        int[] s = new int[len + (first >= 0 ? 1 : 0) + (eos ? 1 : 0)];
        int k = 0;
        if (first >= 0) s[k++] = first;
        for (int i = 0; i < len; i++) s[k++] = 3 + r.nextInt(vocab - 3);
        if (eos) s[k] = 2;
        return s;
    }
}
