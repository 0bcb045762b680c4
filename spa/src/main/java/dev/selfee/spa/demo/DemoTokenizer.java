package dev.selfee.spa.demo;

import dev.selfee.tokenizer.Tokenizer;
import dev.selfee.tokenizer.train.BpeTrainer;
import dev.selfee.tokenizer.train.TrainedBpe;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The benchmark's byte-level BPE tokenizer, trained on the demonstrations, and how the benchmark
 * encodes text with it: a prompt is its text and a newline, a completion its text then EOS (the
 * two tokenized separately, as TRL does).
 */
public final class DemoTokenizer {
    private final Tokenizer tokenizer;

    private DemoTokenizer(Tokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    /** Trains a tokenizer of {@code vocabSize} on the demonstrations and writes it to {@code dir}. */
    public static DemoTokenizer train(DemoData data, int vocabSize, Path dir) {
        List<String> docs = new ArrayList<>();
        for (int i = 0; i < data.demoPrompts().size(); i++) {
            docs.add(promptText(data.demoPrompts().get(i).prompt()));
            docs.add(data.demoCompletions().get(i));
        }
        try {
            TrainedBpe bpe = BpeTrainer.train(docs, BpeTrainer.Config.of(vocabSize));
            bpe.write(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": " + e.getMessage(), e);
        }
        return load(dir);
    }

    public static DemoTokenizer load(Path dir) {
        return new DemoTokenizer(Tokenizer.load(dir));
    }

    static String promptText(String prompt) {
        return prompt + "\n";
    }

    public int vocabSize() {
        return tokenizer.vocabSize();
    }

    public int eos() {
        return tokenizer.eosId();
    }

    public int pad() {
        return tokenizer.padId();
    }

    public int[] prompt(String prompt) {
        return tokenizer.encode(promptText(prompt), false);
    }

    /** The completion's ids followed by EOS. */
    public int[] completion(String text) {
        int[] ids = tokenizer.encode(text, false);
        int[] out = Arrays.copyOf(ids, ids.length + 1);
        out[ids.length] = eos();
        return out;
    }

    /** The text of generated ids (without EOS). */
    public String decode(int[] ids) {
        return tokenizer.decode(ids, true);
    }
}
