package dev.selfee.engine.io;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** config.json is read as transformers reads it (fixture: transformers' own reading of each file). */
class LlamaConfigTest {
    static final List<String> DIRS = List.of("llama", "mistral", "qwen2", "legacy-llama3", "legacy-qwen2.5");

    @TempDir
    Path dir;

    static Integer nullableInt(JsonNode n) {
        return n == null || n.isNull() ? null : n.intValue();
    }

    static void assertReadsAsTransformers(LlamaConfig c, JsonNode want, String what) {
        assertEquals(want.get("architecture").asText(), c.architecture().className, what);
        assertEquals(want.get("model_type").asText(), c.architecture().modelType, what);
        assertEquals(want.get("hidden_size").intValue(), c.hiddenSize(), what);
        assertEquals(want.get("intermediate_size").intValue(), c.intermediateSize(), what);
        assertEquals(want.get("num_hidden_layers").intValue(), c.numHiddenLayers(), what);
        assertEquals(want.get("num_attention_heads").intValue(), c.numAttentionHeads(), what);
        assertEquals(want.get("num_key_value_heads").intValue(), c.numKeyValueHeads(), what);
        assertEquals(want.get("head_dim").intValue(), c.headDim(), what);
        assertEquals(want.get("vocab_size").intValue(), c.vocabSize(), what);
        assertEquals(want.get("rms_norm_eps").doubleValue(), c.rmsNormEps(), what);
        assertEquals(want.get("rope_theta").doubleValue(), c.ropeTheta(), what);
        assertEquals(want.get("max_position_embeddings").intValue(), c.maxPositionEmbeddings(), what);
        assertEquals(want.get("tie_word_embeddings").booleanValue(), c.tieWordEmbeddings(), what);
        assertEquals(want.get("attention_bias").booleanValue(), c.attentionBias(), what);
        assertEquals(nullableInt(want.get("sliding_window")), c.slidingWindow(), what);
        assertEquals(want.get("use_sliding_window").booleanValue(), c.useSlidingWindow(), what);
        List<Integer> windows = new ArrayList<>();
        for (int l = 0; l < c.numHiddenLayers(); l++) windows.add(c.slidingWindowOf(l));
        List<Integer> wantWindows = new ArrayList<>();
        want.get("layer_windows").forEach(n -> wantWindows.add(nullableInt(n)));
        assertEquals(wantWindows, windows, what + " per-layer windows");
        assertEquals(nullableInt(want.get("bos_token_id")), c.bosTokenId(), what);
        List<Integer> eos = new ArrayList<>();
        want.get("eos_token_ids").forEach(n -> eos.add(n.intValue()));
        assertEquals(eos, c.eosTokenIds(), what);
        assertEquals(nullableInt(want.get("pad_token_id")), c.padTokenId(), what);
        assertEquals(want.get("dtype").asText(), c.dtype(), what);
        if (want.get("rope_type").asText().equals("default")) {
            assertNull(c.ropeScaling(), what);
        } else {
            assertEquals("llama3", want.get("rope_type").asText());
            RopeScaling r = c.ropeScaling();
            assertEquals(want.get("rope_factor").doubleValue(), r.factor(), what);
            assertEquals(want.get("rope_low_freq_factor").doubleValue(), r.lowFreqFactor(), what);
            assertEquals(want.get("rope_high_freq_factor").doubleValue(), r.highFreqFactor(), what);
            assertEquals(want.get("rope_original_max_position_embeddings").intValue(), r.originalMaxPositions(), what);
        }
    }

    @Test
    void readsEveryFixtureAsTransformersDoes() {
        JsonNode configs = Fixtures.json("configs.json");
        for (String d : DIRS) {
            assertReadsAsTransformers(LlamaConfig.read(Fixtures.DIR.resolve(d).resolve("config.json")), configs.get(d), d);
        }
    }

    @Test
    void writtenConfigsReadBackEqual() throws IOException {
        for (String d : DIRS) {
            LlamaConfig c = LlamaConfig.read(Fixtures.DIR.resolve(d).resolve("config.json"));
            Path out = dir.resolve(d).resolve("config.json");
            c.write(out);
            assertEquals(c, LlamaConfig.read(out), d);
        }
    }

    @Test
    void llama3RopeScalingEqualsTransformersInverseFrequencies() {
        LlamaConfig c = LlamaConfig.read(Fixtures.DIR.resolve("legacy-llama3/config.json"));
        float[] want = Fixtures.floats(Fixtures.json("configs.json").get("legacy-llama3").get("inv_freq"));
        assertEquals(c.headDim() / 2, want.length);
        for (int i = 0; i < want.length; i++) {
            float exponent = (float) (2 * i) / c.headDim(); // transformers computes the exponent in float32
            double base = 1.0 / Math.pow(c.ropeTheta(), exponent);
            assertEquals(want[i], c.ropeScaling().scale(base), 2e-6 * want[i], "inv_freq[" + i + "]");
        }
    }

    @Test
    void generationConfigReadsAndWrites() throws IOException {
        GenerationConfig g = GenerationConfig.read(Fixtures.DIR.resolve("qwen2/generation_config.json"));
        assertEquals(60, g.bosTokenId());
        assertEquals(List.of(61, 62), g.eosTokenIds());
        assertEquals(g, GenerationConfig.of(LlamaConfig.read(Fixtures.DIR.resolve("qwen2/config.json"))));
        GenerationConfig sampling = new GenerationConfig(1, List.of(2), null, true, 0.7, 50, 0.9, 128);
        Path p = dir.resolve("generation_config.json");
        sampling.write(p);
        assertEquals(sampling, GenerationConfig.read(p));
    }

    private void assertConfigError(String json, String... mustContain) throws IOException {
        Path p = dir.resolve("config.json");
        Files.writeString(p, json);
        CheckpointException e = assertThrows(CheckpointException.class, () -> LlamaConfig.read(p));
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        assertTrue(e.getMessage().contains(p.toString()), e.getMessage());
        for (String s : mustContain) assertTrue(e.getMessage().contains(s), "message lacks '" + s + "': " + e.getMessage());
    }

    /** The tiny Llama config with {@code field} set to the JSON {@code value} (or removed when null). */
    private static String llamaWith(String field, String value) throws IOException {
        var tree = (com.fasterxml.jackson.databind.node.ObjectNode) Fixtures.json("llama/config.json");
        if (value == null) tree.remove(field);
        else tree.set(field, new com.fasterxml.jackson.databind.ObjectMapper().readTree(value));
        return tree.toString();
    }

    @Test
    void badConfigsNameTheFileAndField() throws IOException {
        assertConfigError(llamaWith("architectures", "[\"GPTNeoXForCausalLM\"]"), "'architectures'", "GPTNeoXForCausalLM");
        assertConfigError(llamaWith("hidden_act", "\"gelu\""), "'hidden_act'", "gelu");
        assertConfigError(llamaWith("hidden_size", null), "'hidden_size'", "missing");
        assertConfigError(llamaWith("hidden_size", "\"32\""), "'hidden_size'", "integer");
        assertConfigError(llamaWith("num_key_value_heads", "3"), "'num_key_value_heads'", "3");
        assertConfigError(llamaWith("eos_token_id", "\"</s>\""), "'eos_token_id'");
        assertConfigError(llamaWith("rope_parameters", "{\"rope_type\": \"yarn\", \"factor\": 4.0, \"rope_theta\": 10000.0}"),
                "'rope_parameters.rope_type'", "yarn");
        String legacy = llamaWith("rope_parameters", null);
        var tree = (com.fasterxml.jackson.databind.node.ObjectNode) new com.fasterxml.jackson.databind.ObjectMapper().readTree(legacy);
        tree.putObject("rope_scaling").put("type", "linear").put("factor", 2.0);
        assertConfigError(tree.toString(), "'rope_scaling.type'", "linear");
        tree.putObject("rope_scaling").put("rope_type", "llama3").put("factor", 8.0);
        assertConfigError(tree.toString(), "'rope_scaling.low_freq_factor'", "missing");
        var qwen = (com.fasterxml.jackson.databind.node.ObjectNode) Fixtures.json("qwen2/config.json");
        qwen.putArray("layer_types").add("sliding_attention").add("sliding_attention");
        assertConfigError(qwen.toString(), "'layer_types'", "layer 0");
        assertConfigError("{\"architectures\": [\"LlamaForCausalLM\"],\n \"hidden_size\": 32,,}", "not valid JSON", "line 2");
    }
}
