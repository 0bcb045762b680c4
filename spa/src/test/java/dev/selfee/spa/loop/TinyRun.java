package dev.selfee.spa.loop;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.selfee.engine.io.LlamaConfig;
import dev.selfee.engine.model.LlamaModel;
import dev.selfee.spa.gold.Demonstrations;
import dev.selfee.spa.gold.GoldPrompt;
import dev.selfee.spa.train.ModelOutput;
import dev.selfee.tokenizer.Tokenizer;
import dev.selfee.tokenizer.train.BpeTrainer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** A tiny SPA run's inputs, written to a folder: tokenizer + random SFT model, seed pairs, a prompt pool and a config. */
final class TinyRun {
    private static final ObjectMapper JSON = new ObjectMapper();

    private TinyRun() {}

    /** Writes the inputs under {@code dir} and returns the config file. */
    static Path write(Path dir) throws IOException {
        List<GoldPrompt> prompts = GoldPrompt.generate(5, 40);
        SplittableRandom r = new SplittableRandom(9);
        List<String> docs = new ArrayList<>();
        for (GoldPrompt p : prompts) docs.add(p.prompt() + " " + Demonstrations.DEFAULT.demonstrate(p, r));
        Path tok = dir.resolve("tokenizer");
        BpeTrainer.train(docs, BpeTrainer.Config.of(300)).write(tok);
        Tokenizer t = Tokenizer.load(tok);
        LlamaConfig c = LlamaConfig.llama(t.vocabSize(), 16, 1, 2, 1, 32, t.bosId() < 0 ? null : t.bosId(), t.eosId(), null);
        ModelOutput.save(LlamaModel.random(c, 3, 0.2), dir.resolve("sft"), tok, null);

        StringBuilder seed = new StringBuilder(), pool = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            GoldPrompt p = prompts.get(i);
            seed.append(JSON.createObjectNode().put("prompt", p.prompt()).put("chosen", p.answer()).put("rejected", "the answer is " + p.answer() + "."))
                    .append('\n');
        }
        for (int i = 8; i < 20; i++) pool.append(JSON.createObjectNode().put("prompt", prompts.get(i).prompt())).append('\n');
        Files.writeString(dir.resolve("seed.jsonl"), seed);
        Files.writeString(dir.resolve("pool.jsonl"), pool);

        ObjectNode cfg = JSON.createObjectNode();
        cfg.put("sft_model", dir.resolve("sft").toString());
        cfg.put("seed_data", dir.resolve("seed.jsonl").toString());
        cfg.put("prompt_pool", dir.resolve("pool.jsonl").toString());
        cfg.putArray("iteration_sizes").add(6).add(6);
        cfg.put("temperature", 1.0).put("max_new_tokens", 5).put("generation_batch_size", 4);
        cfg.put("seed_lr", 1e-3).put("seed_epochs", 2).put("lr", 1e-3).put("epochs", 2);
        cfg.put("batch_size", 2).put("gradient_accumulation_steps", 1).put("beta", 0.5);
        Path file = dir.resolve("run.json");
        Files.writeString(file, cfg.toPrettyString());
        return file;
    }
}
