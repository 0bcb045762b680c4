package dev.selfee.cli;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.selfee.engine.io.LlamaConfig;
import dev.selfee.engine.model.Generator;
import dev.selfee.engine.model.LlamaCheckpoint;
import dev.selfee.engine.model.LlamaModel;
import dev.selfee.engine.model.SamplingOptions;
import dev.selfee.engine.model.Scorer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** generate and logprobs on a tiny random Qwen2 model, against the engine's API called directly. */
class ModelCommandsTest {
    static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    static Path tmp;
    static Path model;

    @BeforeAll
    static void tinyModel() throws IOException {
        model = tmp.resolve("model");
        Files.createDirectories(model);
        Files.writeString(model.resolve("config.json"), """
                {"architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "hidden_size": 16, "intermediate_size": 32,
                 "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2, "vocab_size": 50,
                 "tie_word_embeddings": true, "eos_token_id": 3, "bos_token_id": 1, "rms_norm_eps": 1e-6}
                """);
        LlamaModel m = LlamaModel.random(LlamaConfig.read(model.resolve("config.json")), 1, 0.5);
        LlamaCheckpoint.save(m, model);
    }

    record Result(int code, String err) {}

    static Result run(String... args) {
        PrintStream old = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buf, true));
        try {
            return new Result(Main.run(args), buf.toString());
        } finally {
            System.setErr(old);
        }
    }

    static List<JsonNode> lines(Path file) throws IOException {
        return Files.readAllLines(file).stream().map(s -> {
            try {
                return JSON.readTree(s);
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }).toList();
    }

    static int[] ints(JsonNode a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = a.get(i).asInt();
        return out;
    }

    @Test
    void generateWritesResponsesPerPromptIndependentOfBatchSize() throws IOException {
        Path prompts = tmp.resolve("prompts.jsonl");
        Files.writeString(prompts, "{\"prompt_ids\": [1, 5, 7, 9]}\n\n{\"prompt_ids\": [1, 2]}\n{\"prompt_ids\": [4]}\n");
        Path greedy = tmp.resolve("greedy.jsonl");
        assertEquals(0, run("generate", "--model", model.toString(), "--prompts", prompts.toString(), "--out", greedy.toString(),
                "--temperature", "0", "--max-new-tokens", "5").code());
        LlamaModel m = LlamaCheckpoint.load(model);
        List<JsonNode> out = lines(greedy);
        assertEquals(3, out.size());
        List<int[]> ps = List.of(new int[] {1, 5, 7, 9}, new int[] {1, 2}, new int[] {4});
        var direct = Generator.generate(m, ps, SamplingOptions.greedy(5, 3));
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(ps.get(i), ints(out.get(i).get("prompt_ids")));
            assertArrayEquals(direct.get(i).tokens(), ints(out.get(i).get("responses_ids").get(0)));
        }
        Path a = tmp.resolve("a.jsonl"), b = tmp.resolve("b.jsonl");
        for (var o : List.of(List.of(a, "1"), List.of(b, "4"))) {
            assertEquals(0, run("generate", "--model", model.toString(), "--prompts", prompts.toString(), "--out", o.get(0).toString(),
                    "--n", "3", "--temperature", "1.2", "--top-k", "20", "--top-p", "0.95", "--seed", "9", "--batch-size", o.get(1).toString()).code());
        }
        assertEquals(Files.readString(a), Files.readString(b));
        assertEquals(3, lines(a).getFirst().get("responses_ids").size());
    }

    @Test
    void generateAndLogprobsOnTheOpenClBackendEqualTheCpu() throws IOException {
        if (!TrainCommandsTest.openClAvailable("generate --backend opencl")) return;
        Path prompts = tmp.resolve("device-prompts.jsonl");
        Files.writeString(prompts, "{\"prompt_ids\": [1, 5, 7, 9]}\n{\"prompt_ids\": [1, 2]}\n{\"prompt_ids\": [4]}\n");
        Path cpu = tmp.resolve("greedy-cpu.jsonl"), ocl = tmp.resolve("greedy-opencl.jsonl");
        for (var o : List.of(List.of(cpu, "cpu"), List.of(ocl, "opencl"))) {
            Result r = run("generate", "--model", model.toString(), "--prompts", prompts.toString(), "--out", o.get(0).toString(),
                    "--temperature", "0", "--max-new-tokens", "6", "--batch-size", "2", "--backend", o.get(1).toString());
            assertEquals(0, r.code(), r.err());
        }
        assertEquals(Files.readString(cpu), Files.readString(ocl));

        Path pairs = tmp.resolve("device-pairs.jsonl"), lpCpu = tmp.resolve("logps-cpu.jsonl"), lpOcl = tmp.resolve("logps-opencl.jsonl");
        Files.writeString(pairs, "{\"prompt_ids\": [1, 5], \"chosen_ids\": [7, 9, 2], \"rejected_ids\": [4]}\n{\"prompt_ids\": [3], \"completion_ids\": [6, 6]}\n");
        for (var o : List.of(List.of(lpCpu, "cpu"), List.of(lpOcl, "opencl"))) {
            Result r = run("logprobs", "--model", model.toString(), "--data", pairs.toString(), "--out", o.get(0).toString(), "--backend", o.get(1).toString());
            assertEquals(0, r.code(), r.err());
        }
        List<JsonNode> a = lines(lpCpu), b = lines(lpOcl);
        assertEquals(2, b.size());
        assertTrue(a.get(0).has("logps/chosen") && a.get(0).has("logps/rejected"), a.get(0).toString());
        for (int i = 0; i < 2; i++) {
            for (var it = a.get(i).fields(); it.hasNext(); ) {
                var e = it.next();
                if (e.getKey().startsWith("logps")) {
                    assertEquals(e.getValue().asDouble(), b.get(i).get(e.getKey()).asDouble(), 1e-4 * Math.max(1, Math.abs(e.getValue().asDouble())), e.getKey());
                }
            }
        }
    }

    @Test
    void initAndConvertWriteLoadableCheckpoints() throws IOException {
        Path made = tmp.resolve("init"), bf16 = tmp.resolve("bf16");
        assertEquals(0, run("init", "--config", model.resolve("config.json").toString(), "--out", made.toString(), "--seed", "4").code());
        LlamaModel expected = LlamaModel.random(LlamaConfig.read(model.resolve("config.json")), 4), loaded = LlamaCheckpoint.load(made);
        for (var p : expected.parameters().values()) assertArrayEquals(p.value().toArray(), loaded.parameter(p.name()).value().toArray(), p.name());
        assertEquals(0, run("convert", "--model", made.toString(), "--out", bf16.toString(), "--dtype", "bfloat16").code());
        assertEquals("bfloat16", LlamaCheckpoint.config(bf16).dtype());
        assertTrue(Files.size(bf16.resolve("model.safetensors")) < 0.6 * Files.size(made.resolve("model.safetensors")), "bf16 halves the weights");
        LlamaModel widened = LlamaCheckpoint.load(bf16);
        for (var p : loaded.parameters().values()) {
            float[] a = p.value().toArray(), b = widened.parameter(p.name()).value().toArray();
            for (int i = 0; i < a.length; i++) assertEquals(a[i], b[i], Math.abs(a[i]) / 128, p.name());
        }
        Result r = run("convert", "--model", made.toString(), "--out", bf16.toString(), "--dtype", "int8");
        assertEquals("selfee convert: --dtype must be float32, bfloat16 or float16, got 'int8'", r.err().strip());
    }

    @Test
    void logprobsAppendsEosAndScoresPairs() throws IOException {
        Path data = tmp.resolve("data.jsonl"), out = tmp.resolve("lp.jsonl");
        Files.writeString(data, """
                {"prompt_ids": [1, 5], "completion_ids": [8, 9]}
                {"prompt_ids": [1, 6, 7], "chosen_ids": [10, 3], "rejected_ids": [11, 12, 13]}
                """);
        assertEquals(0, run("logprobs", "--model", model.toString(), "--data", data.toString(), "--out", out.toString()).code());
        LlamaModel m = LlamaCheckpoint.load(model);
        float[] expected = Scorer.score(m, List.of(new int[] {1, 5}, new int[] {1, 6, 7}, new int[] {1, 6, 7}),
                List.of(new int[] {8, 9, 3}, new int[] {10, 3}, new int[] {11, 12, 13, 3}), 1);
        List<JsonNode> lines = lines(out);
        assertEquals(expected[0], lines.get(0).get("logp").floatValue(), 1e-4);
        assertEquals(3, lines.get(0).get("tokens").asInt(), "EOS appended");
        assertEquals(expected[1], lines.get(1).get("logps/chosen").floatValue(), 1e-4);
        assertEquals(expected[2], lines.get(1).get("logps/rejected").floatValue(), 1e-4);
    }

    @Test
    void benchScoreSumsTheLogProbsOfEveryCompletionAsGiven() throws IOException {
        Path data = tmp.resolve("score.jsonl");
        Files.writeString(data, """
                {"prompt_ids": [1, 5], "completion_ids": [8, 9]}
                {"prompt_ids": [1, 6, 7], "chosen_ids": [10, 3], "rejected_ids": [11, 12, 13]}
                """);
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true));
        try {
            assertEquals(0, Main.run("bench", "score", "--model", model.toString(), "--data", data.toString(), "--batch-size", "2", "--runs", "1"));
        } finally {
            System.setOut(old);
        }
        JsonNode j = JSON.readTree(buf.toString());
        float[] expected = Scorer.score(LlamaCheckpoint.load(model), List.of(new int[] {1, 5}, new int[] {1, 6, 7}, new int[] {1, 6, 7}),
                List.of(new int[] {8, 9}, new int[] {10, 3}, new int[] {11, 12, 13}), 1);
        assertEquals(3, j.get("sequences").asInt());
        assertEquals(4 + 5 + 6, j.get("tokens").asInt(), "no EOS appended");
        assertEquals(expected[0] + expected[1] + expected[2], j.get("logp_sum").asDouble(), 0.01);
        assertTrue(j.get("tokens_per_s").asDouble() > 0);
    }

    @Test
    void benchDpoStepTrainsAgainstPrecomputedReferenceLogProbs() throws IOException {
        Path data = tmp.resolve("pairs.jsonl");
        Files.writeString(data, """
                {"prompt_ids": [1, 5], "chosen_ids": [8, 9], "rejected_ids": [10]}
                {"prompt_ids": [1, 6, 7], "chosen_ids": [10, 4], "rejected_ids": [11, 12, 13]}
                {"prompt_ids": [1, 2], "chosen_ids": [20], "rejected_ids": [21, 22]}
                {"prompt_ids": [1, 9, 9], "chosen_ids": [30, 31], "rejected_ids": [32]}
                """);
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true));
        try {
            assertEquals(0, Main.run("bench", "dpo-step", "--model", model.toString(), "--data", data.toString(),
                    "--batch-size", "2", "--warmup", "1", "--steps", "1"));
        } finally {
            System.setOut(old);
        }
        JsonNode j = JSON.readTree(buf.toString());
        assertEquals(1, j.get("steps").asInt());
        assertTrue(j.get("steps_per_s").asDouble() > 0);
        // the policy starts as the reference and lr 1e-6 barely moves it: the sigmoid loss stays at ln 2
        assertEquals(Math.log(2), j.get("train_loss").asDouble(), 0.01);
        Result r = run("bench", "dpo-step", "--model", model.toString(), "--data", data.toString(), "--batch-size", "4");
        assertEquals(1, r.code());
        assertEquals("selfee dpo-step: " + data + ": 4 pairs, but 28 are needed", r.err().strip());
    }

    @Test
    void textFieldsAreEncodedWithTheModelsTokenizer() throws IOException {
        Path dir = tmp.resolve("text-model"), corpus = tmp.resolve("corpus.jsonl");
        Files.writeString(corpus, "{\"text\": \"hello world, hello there. the quick brown fox jumps over the lazy dog\"}\n".repeat(3));
        assertEquals(0, run("train-tokenizer", "--data", corpus.toString(), "--vocab-size", "300", "--out", dir.toString()).code());
        dev.selfee.tokenizer.Tokenizer tok = dev.selfee.tokenizer.Tokenizer.load(dir);
        Files.writeString(dir.resolve("config.json"), Files.readString(model.resolve("config.json")).replace("\"vocab_size\": 50", "\"vocab_size\": 300")
                .replace("\"eos_token_id\": 3", "\"eos_token_id\": " + tok.eosId()));
        LlamaModel m = LlamaModel.random(LlamaCheckpoint.config(dir), 2, 0.5);
        LlamaCheckpoint.save(m, dir);

        Path prompts = tmp.resolve("text-prompts.jsonl"), out = tmp.resolve("text-out.jsonl");
        Files.writeString(prompts, "{\"prompt\": \"hello world\"}\n");
        assertEquals(0, run("generate", "--model", dir.toString(), "--prompts", prompts.toString(), "--out", out.toString(),
                "--temperature", "0", "--max-new-tokens", "4").code());
        JsonNode line = lines(out).getFirst();
        assertEquals("hello world", line.get("prompt").asText());
        assertArrayEquals(tok.encode("hello world", true), ints(line.get("prompt_ids")));
        int[] response = ints(line.get("responses_ids").get(0));
        assertArrayEquals(Generator.generate(m, List.of(tok.encode("hello world", true)), SamplingOptions.greedy(4, tok.eosId())).getFirst().tokens(), response);
        assertEquals(tok.decode(response, true), line.get("responses").get(0).asText());

        Path data = tmp.resolve("text-data.jsonl"), lp = tmp.resolve("text-lp.jsonl");
        Files.writeString(data, "{\"prompt\": \"the quick\", \"completion\": \" brown fox\"}\n");
        assertEquals(0, run("logprobs", "--model", dir.toString(), "--data", data.toString(), "--out", lp.toString()).code());
        int[] completion = tok.encode(" brown fox", false);
        int[] withEos = java.util.Arrays.copyOf(completion, completion.length + 1);
        withEos[completion.length] = tok.eosId();
        float expected = Scorer.score(m, List.of(tok.encode("the quick", true)), List.of(withEos), 1)[0];
        assertEquals(expected, lines(lp).getFirst().get("logp").floatValue(), 1e-4);
        assertEquals(withEos.length, lines(lp).getFirst().get("tokens").asInt());
    }

    @Test
    void badInputIsOneLineNamingFileAndLineAndWritesNothing() throws IOException {
        Path data = tmp.resolve("bad.jsonl"), out = tmp.resolve("never.jsonl");
        Files.writeString(data, "{\"prompt_ids\": [1], \"completion_ids\": [2]}\n{\"prompt_ids\": [1], \"completion_ids\": [2, \"x\"]}\n");
        Result r = run("logprobs", "--model", model.toString(), "--data", data.toString(), "--out", out.toString());
        assertEquals(1, r.code());
        assertEquals("selfee logprobs: " + data + ":2: field \"completion_ids\"[1] must be an integer, got \"x\"", r.err().strip());
        Files.writeString(data, "{\"prompt\": \"hello\"}\n");
        r = run("generate", "--model", model.toString(), "--prompts", data.toString(), "--out", out.toString());
        assertEquals("selfee generate: " + data + ":1: field 'prompt' is text, which needs a tokenizer, but " + model
                + " has no tokenizer.json; give 'prompt_ids' (token ids) instead", r.err().strip());
        Files.writeString(data, "{\"prompt_ids\": [1, 50]}\n");
        r = run("generate", "--model", model.toString(), "--prompts", data.toString(), "--out", out.toString());
        assertEquals("selfee generate: prompt 0: token id 50 is outside the vocabulary [0, 50)", r.err().strip());
        assertFalse(Files.exists(out));
    }
}
