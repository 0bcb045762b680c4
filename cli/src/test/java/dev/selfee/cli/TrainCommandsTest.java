package dev.selfee.cli;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import dev.selfee.engine.model.LlamaCheckpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** sft from scratch and dpo (sigmoid and SPA with DND) end to end through the command line, on a tiny model and tokenizer. */
class TrainCommandsTest {
    @TempDir static Path tmp;
    static Path tokenizer, config, sftData, dpoData;

    @BeforeAll
    static void inputs() throws IOException {
        Path corpus = tmp.resolve("corpus.jsonl"), template = tmp.resolve("chat.jinja");
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 20; i++) sb.append("{\"text\": \"count ").append(i).append(" then say hello to the fox and the dog\"}\n");
        Files.writeString(corpus, sb.toString());
        Files.writeString(template, "{% for m in messages %}<|{{ m.role }}|>\n{{ m.content }}{{ eos_token }}\n{% endfor %}{% if add_generation_prompt %}<|assistant|>\n{% endif %}");
        tokenizer = tmp.resolve("tok");
        assertEquals(0, ModelCommandsTest.run("train-tokenizer", "--data", corpus.toString(), "--vocab-size", "300", "--out", tokenizer.toString(),
                "--chat-template", template.toString()).code());
        config = tmp.resolve("config.json");
        Files.writeString(config, config(300));
        sftData = tmp.resolve("sft.jsonl");
        Files.writeString(sftData, """
                {"prompt": "count 1", "completion": " then say hello"}
                {"messages": [{"role": "user", "content": "say hello"}, {"role": "assistant", "content": "hello fox"}]}
                {"prompt_ids": [0, 40, 41], "completion_ids": [42, 43]}
                {"prompt": "the dog", "completion": " and the fox"}
                """);
        dpoData = tmp.resolve("pairs.jsonl");
        Files.writeString(dpoData, """
                {"prompt": "say hello", "chosen": " to the fox", "rejected": " to the dog"}
                {"prompt": [{"role": "user", "content": "count 3"}], "chosen": [{"role": "assistant", "content": "then say hello"}], "rejected": [{"role": "assistant", "content": "dog"}]}
                {"prompt": "count 2", "chosen": " then", "rejected": " fox fox fox"}
                """);
    }

    static String config(int vocab) {
        return """
                {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 32, "intermediate_size": 64,
                 "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2, "vocab_size": %d,
                 "tie_word_embeddings": false, "eos_token_id": 0, "bos_token_id": 0, "rms_norm_eps": 1e-6}
                """.formatted(vocab);
    }

    private static Path sft(String name, String... extra) {
        Path out = tmp.resolve(name);
        List<String> args = new java.util.ArrayList<>(List.of("sft", "--init-config", config.toString(), "--tokenizer", tokenizer.toString(),
                "--data", sftData.toString(), "--out", out.toString(), "--batch-size", "2", "--num-train-epochs", "2", "--lr", "1e-3", "--seed", "5"));
        args.addAll(List.of(extra));
        ModelCommandsTest.Result r = ModelCommandsTest.run(args.toArray(String[]::new));
        assertEquals(0, r.code(), r.err());
        return out;
    }

    @Test
    void logprobsScoresChatPairsAsTheDpoTrainerEncodesThem() throws IOException {
        Path model = sft("sft-chat");
        Path data = tmp.resolve("chat-pairs.jsonl"), out = tmp.resolve("chat-logps.jsonl");
        // a chat pair: logprobs must score the very ids the DPO trainer trains on
        Files.writeString(data, """
                {"prompt": [{"role": "user", "content": "count 3"}], "chosen": [{"role": "assistant", "content": "then say hello"}], "rejected": [{"role": "assistant", "content": "dog"}]}
                """);
        ModelCommandsTest.Result r = ModelCommandsTest.run("logprobs", "--model", model.toString(), "--data", data.toString(), "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        JsonNode row = new com.fasterxml.jackson.databind.ObjectMapper().readTree(Files.readAllLines(out).getFirst());
        var enc = new dev.selfee.spa.train.ExampleEncoder(dev.selfee.tokenizer.Tokenizer.load(model), dev.selfee.spa.train.Truncation.none());
        var pair = enc.pairs(dev.selfee.spa.data.PreferenceExample.read(data)).items().getFirst();
        float[] expected = dev.selfee.engine.model.Scorer.score(LlamaCheckpoint.load(model), List.of(pair.prompt(), pair.prompt()),
                List.of(pair.chosen(), pair.rejected()), 2);
        assertEquals(expected[0], row.get("logps/chosen").floatValue(), 1e-5);
        assertEquals(expected[1], row.get("logps/rejected").floatValue(), 1e-5);
    }

    @Test
    void sftTrainsANewModelAndWritesItWithTheTokenizerAtomically() throws IOException {
        Path out = sft("sft-a");
        for (String f : List.of("config.json", "model.safetensors", "generation_config.json", "tokenizer.json", "tokenizer_config.json", "metrics.jsonl",
                "training_summary.json")) assertTrue(Files.isRegularFile(out.resolve(f)), f);
        assertFalse(Files.exists(tmp.resolve("sft-a.partial")));
        List<JsonNode> metrics = ModelCommandsTest.lines(out.resolve("metrics.jsonl"));
        assertEquals(4, metrics.size());
        for (String k : List.of("step", "epoch", "loss", "grad_norm", "learning_rate")) assertTrue(metrics.getLast().has(k), k);
        assertEquals(300, LlamaCheckpoint.load(out).config().vocabSize());
        Path again = sft("sft-b");
        assertArrayEquals(Files.readAllBytes(out.resolve("model.safetensors")), Files.readAllBytes(again.resolve("model.safetensors")),
                "same seed, same weights");
    }

    @Test
    void dpoWithSpaAndDndWritesMetricsFlagsAndTheModel() throws IOException {
        Path sft = sft("sft-for-dpo");
        Path out = tmp.resolve("dpo-spa");
        ModelCommandsTest.Result r = ModelCommandsTest.run("dpo", "--model", sft.toString(), "--data", dpoData.toString(), "--out", out.toString(),
                "--loss", "spa", "--spa-lambda", "0.5", "--batch-size", "1", "--num-train-epochs", "2", "--lr", "1e-3", "--spa-warmup-ratio", "0.5");
        assertEquals(0, r.code(), r.err());
        List<JsonNode> metrics = ModelCommandsTest.lines(out.resolve("metrics.jsonl"));
        assertEquals(6, metrics.size());
        for (String k : List.of("loss", "rewards/chosen", "rewards/rejected", "rewards/accuracies", "rewards/margins", "logps/chosen", "logps/rejected",
                "grad_norm", "learning_rate", "spa/threshold", "spa/confident_fraction", "spa/alpha", "spa/lambda")) {
            assertTrue(metrics.getLast().has(k), k);
        }
        assertEquals(0.0, metrics.getFirst().get("spa/alpha").asDouble());
        assertEquals(0.1, metrics.getLast().get("spa/alpha").asDouble());
        assertEquals(6, Files.readAllLines(out.resolve("pairs_refinement.jsonl")).size());
        assertEquals(4, Files.readAllLines(out.resolve("ref_logps.jsonl")).size());
        assertTrue(Files.isRegularFile(out.resolve("tokenizer.json")));
        LlamaCheckpoint.load(out);

        // a second run into the same --out replaces it; checkpoints are dropped once the run is done
        r = ModelCommandsTest.run("dpo", "--model", sft.toString(), "--data", dpoData.toString(), "--out", out.toString(), "--max-steps", "2",
                "--save-steps", "1");
        assertEquals(0, r.code(), r.err());
        assertEquals(2, Files.readAllLines(out.resolve("metrics.jsonl")).size());
        assertFalse(Files.exists(out.resolve("checkpoint")));
        assertFalse(Files.exists(out.resolve("pairs_refinement.jsonl")));
    }

    @Test
    void loraSftThenLoraDpoWithDndTrainOnlyAdaptersAndWriteMergedModels() throws IOException {
        Path base = sft("sft-for-lora");
        Path out = tmp.resolve("sft-lora");
        ModelCommandsTest.Result r = ModelCommandsTest.run("sft", "--model", base.toString(), "--data", sftData.toString(), "--out", out.toString(),
                "--batch-size", "2", "--max-steps", "2", "--lr", "1e-2", "--lora-r", "4", "--lora-alpha", "16");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("LoRA r=4 alpha=16.0 on q_proj,v_proj"), r.err());
        JsonNode summary = json(out.resolve("training_summary.json"));
        assertEquals(4, summary.at("/lora/r").asInt());
        assertEquals(2 * (4 * 32 + 32 * 4 + 4 * 32 + 16 * 4), summary.at("/lora/trainable_parameters").asInt(), "q: [32,32], v: [16,32] in 2 layers");
        assertTrue(Files.isRegularFile(out.resolve("adapter").resolve("adapter_config.json")));
        var before = LlamaCheckpoint.load(base).parameters();
        var after = LlamaCheckpoint.load(out).parameters();
        for (String name : before.keySet()) {
            boolean adapted = name.endsWith("q_proj.weight") || name.endsWith("v_proj.weight");
            assertEquals(!adapted, java.util.Arrays.equals(before.get(name).value().toArray(), after.get(name).value().toArray()),
                    name + (adapted ? " has the trained adapter merged in" : " is frozen"));
        }

        // DPO + SPA with DND: the reference is the policy with its adapters disabled (no second model)
        Path dpo = tmp.resolve("dpo-lora");
        r = ModelCommandsTest.run("dpo", "--model", out.toString(), "--data", dpoData.toString(), "--out", dpo.toString(), "--loss", "spa",
                "--spa-lambda", "0.5", "--batch-size", "1", "--max-steps", "2", "--lr", "1e-2", "--lora-r", "2", "--lora-target-modules", "all-linear");
        assertEquals(0, r.code(), r.err());
        assertEquals(2, ModelCommandsTest.lines(dpo.resolve("metrics.jsonl")).size());
        assertEquals(List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"),
                toList(json(dpo.resolve("adapter").resolve("adapter_config.json")).get("target_modules")));
        assertArrayEquals(after.get("model.embed_tokens.weight").value().toArray(),
                LlamaCheckpoint.load(dpo).parameters().get("model.embed_tokens.weight").value().toArray(), "embeddings are never adapted");

        r = ModelCommandsTest.run("sft", "--model", base.toString(), "--data", sftData.toString(), "--out", tmp.resolve("bad-lora").toString(),
                "--lora-r", "2", "--lora-target-modules", "q_proj,lm_head");
        assertEquals(1, r.code());
        assertEquals("selfee sft: unknown LoRA target module 'lm_head'; expected all-linear or some of q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj",
                r.err().strip());
    }

    private static JsonNode json(Path file) throws IOException {
        return new com.fasterxml.jackson.databind.ObjectMapper().readTree(Files.readString(file));
    }

    private static List<String> toList(JsonNode array) {
        List<String> out = new java.util.ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    @Test
    void badInputsExitWithOneClearLine() throws IOException {
        Path small = tmp.resolve("small-config.json");
        Files.writeString(small, config(100));
        ModelCommandsTest.Result r = ModelCommandsTest.run("sft", "--init-config", small.toString(), "--tokenizer", tokenizer.toString(),
                "--data", sftData.toString(), "--out", tmp.resolve("x").toString());
        assertEquals(1, r.code());
        int tokens = dev.selfee.tokenizer.Tokenizer.load(tokenizer).vocabSize();
        assertEquals("selfee sft: " + tokenizer + ": the tokenizer has " + tokens + " tokens but the model's vocab_size is 100", r.err().strip());

        Path empty = tmp.resolve("empty.jsonl");
        Files.writeString(empty, "\n");
        r = ModelCommandsTest.run("sft", "--init-config", config.toString(), "--tokenizer", tokenizer.toString(), "--data", empty.toString(), "--out", tmp.resolve("x").toString());
        assertEquals("selfee sft: " + empty + ": no records (the file is empty)", r.err().strip());

        Path bad = tmp.resolve("bad.jsonl");
        Files.writeString(bad, "{\"prompt\": \"a\", \"chosen\": \"b\", \"rejected\": \"c\"}\n{\"prompt\": \"a\", \"chosen\": 3, \"rejected\": \"c\"}\n");
        Path sft = sft("sft-for-bad");
        r = ModelCommandsTest.run("dpo", "--model", sft.toString(), "--data", bad.toString(), "--out", tmp.resolve("y").toString());
        assertEquals("selfee dpo: " + bad + ":2: field \"chosen\" must be a string or a list of messages", r.err().strip());

        r = ModelCommandsTest.run("sft", "--model", sft.toString(), "--init-config", config.toString(), "--data", sftData.toString(), "--out", tmp.resolve("z").toString());
        assertEquals("selfee sft: give exactly one of --model DIR or --init-config FILE", r.err().strip());
    }

    /** True when an OpenCL device opens; else prints why and returns false, or fails under SELFEE_REQUIRE_OPENCL (CI). */
    static boolean openClAvailable(String what) {
        try {
            dev.selfee.engine.backend.Backends.get("opencl");
            return true;
        } catch (RuntimeException e) {
            String reason = "no usable OpenCL device: " + e.getMessage();
            if (System.getenv("SELFEE_REQUIRE_OPENCL") != null) fail(reason + " (SELFEE_REQUIRE_OPENCL is set)");
            System.out.println("SKIPPED (" + what + "): " + reason);
            return false;
        }
    }

    @Test
    void sftAndDpoOnTheOpenClBackendEqualTheCpu() throws IOException {
        if (!openClAvailable("sft and dpo with --backend opencl")) return;
        Path cpu = sft("sft-cpu", "--backend", "cpu"), ocl = sft("sft-opencl", "--backend", "opencl");
        assertClose(LlamaCheckpoint.load(cpu), LlamaCheckpoint.load(ocl), "sft");
        assertRowsClose(cpu.resolve("metrics.jsonl"), ocl.resolve("metrics.jsonl"), "sft");

        dpoOnBothBackends("dpo", cpu, "--gradient-accumulation-steps", "2", "--lr", "1e-3");
        // LoRA: only the adapters train, on either backend alike; the output is the merged model plus the adapter
        Path lora = dpoOnBothBackends("dpo-lora", cpu, "--lr", "1e-2", "--lora-r", "2");
        assertTrue(Files.isRegularFile(lora.resolve("adapter").resolve("adapter_model.safetensors")), "the adapter is saved beside the merged model");
    }

    /** Runs {@code selfee dpo} from {@code model} with {@code extra} options on the cpu and on opencl, asserts equal weights and metrics; returns the opencl output. */
    private Path dpoOnBothBackends(String name, Path model, String... extra) throws IOException {
        Path[] out = {tmp.resolve(name + "-cpu"), tmp.resolve(name + "-opencl")};
        String[] backends = {"cpu", "opencl:0"};
        for (int i = 0; i < 2; i++) {
            List<String> args = new java.util.ArrayList<>(List.of("dpo", "--model", model.toString(), "--data", dpoData.toString(), "--out", out[i].toString(),
                    "--batch-size", "2", "--max-steps", "2", "--beta", "0.5", "--backend", backends[i]));
            args.addAll(List.of(extra));
            ModelCommandsTest.Result r = ModelCommandsTest.run(args.toArray(String[]::new));
            assertEquals(0, r.code(), r.err());
        }
        assertClose(LlamaCheckpoint.load(out[0]), LlamaCheckpoint.load(out[1]), name);
        assertRowsClose(out[0].resolve("metrics.jsonl"), out[1].resolve("metrics.jsonl"), name);
        return out[1];
    }

    /** Every weight: max |Δ| ≤ 1e-4 · max |cpu| per parameter. */
    private static void assertClose(dev.selfee.engine.model.LlamaModel want, dev.selfee.engine.model.LlamaModel got, String what) {
        for (var e : want.parameters().entrySet()) {
            float[] w = e.getValue().value().toArray(), g = got.parameter(e.getKey()).value().toArray();
            double max = 0, err = 0;
            for (int i = 0; i < w.length; i++) {
                max = Math.max(max, Math.abs(w[i]));
                err = Math.max(err, Math.abs(w[i] - g[i]));
            }
            assertTrue(err <= 1e-4 * max, what + ": " + e.getKey() + " differs by " + err + " (scale " + max + ")");
        }
    }

    /**
     * Every metric of every step within 1e-4 · max(1, |cpu|), but rewards/accuracies: it counts
     * chosen reward &gt; rejected reward, and while the policy still equals the reference (step 1)
     * both rewards are 0 on the CPU but fp32 noise (~1e-7) on a device scored against CPU reference log-probs.
     */
    private static void assertRowsClose(Path want, Path got, String what) throws IOException {
        List<JsonNode> w = ModelCommandsTest.lines(want), g = ModelCommandsTest.lines(got);
        assertEquals(w.size(), g.size(), what + ": steps");
        for (int s = 0; s < w.size(); s++) {
            for (var it = w.get(s).fields(); it.hasNext(); ) {
                var e = it.next();
                if (e.getKey().equals("rewards/accuracies")) continue;
                double x = e.getValue().asDouble(), y = g.get(s).get(e.getKey()).asDouble();
                assertEquals(x, y, 1e-4 * Math.max(1, Math.abs(x)), what + ": " + e.getKey() + " at step " + (s + 1));
            }
        }
    }

    @Test
    void longPromptsAreTruncatedAndCounted() throws IOException {
        Path data = tmp.resolve("long.jsonl");
        Files.writeString(data, "{\"prompt_ids\": [0, 5, 6, 7, 8, 9, 10, 11, 12, 13], \"completion_ids\": [14, 15, 16]}\n{\"prompt_ids\": [0, 5], \"completion_ids\": [6]}\n");
        Path out = tmp.resolve("sft-long");
        ModelCommandsTest.Result r = ModelCommandsTest.run("sft", "--init-config", config.toString(), "--tokenizer", tokenizer.toString(),
                "--data", data.toString(), "--out", out.toString(), "--max-length", "8", "--max-prompt-length", "4", "--max-steps", "1");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("sft: 1 of 2 prompts and 0 completions truncated (max length 8, max prompt length 4)"), r.err());
        JsonNode summary = ModelCommandsTest.JSON.readTree(out.resolve("training_summary.json").toFile());
        assertEquals(1, summary.get("prompts_truncated").asInt());
    }
}
