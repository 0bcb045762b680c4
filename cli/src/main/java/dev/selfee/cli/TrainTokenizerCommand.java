package dev.selfee.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.selfee.tokenizer.template.ChatTemplate;
import dev.selfee.tokenizer.template.TemplateException;
import dev.selfee.tokenizer.train.BpeTrainer;
import dev.selfee.tokenizer.train.JsonlCorpus;
import dev.selfee.tokenizer.train.TrainedBpe;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code selfee train-tokenizer}: a byte-level BPE tokenizer trained on JSONL text, written as HF tokenizer.json. */
@Command(name = "train-tokenizer", mixinStandardHelpOptions = true,
        description = {"Train a byte-level BPE tokenizer (GPT-2 pre-tokenization) on JSONL documents and write "
                + "tokenizer.json and tokenizer_config.json, loadable by HF tokenizers/transformers.",
                "Each line's string fields text, prompt, completion, chosen and rejected are separate documents."})
public final class TrainTokenizerCommand implements Callable<Integer> {
    @Option(names = "--data", required = true, description = "JSONL file(s) of documents (repeatable)")
    List<Path> data;
    @Option(names = "--vocab-size", required = true, description = "total vocabulary size: special tokens + 256 bytes + merges")
    int vocabSize;
    @Option(names = "--out", required = true, description = "directory to write tokenizer.json and tokenizer_config.json into")
    Path out;
    @Option(names = "--min-frequency", defaultValue = "2", description = "never merge pairs seen fewer times (default ${DEFAULT-VALUE})")
    int minFrequency;
    @Option(names = "--eos-token", defaultValue = "<|endoftext|>", description = "end-of-sequence token (default ${DEFAULT-VALUE})")
    String eosToken;
    @Option(names = "--bos-token", defaultValue = "<|endoftext|>", description = "beginning-of-sequence token; empty for none (default ${DEFAULT-VALUE})")
    String bosToken;
    @Option(names = "--pad-token", defaultValue = "<pad>", description = "padding token; empty for none (default ${DEFAULT-VALUE})")
    String padToken;
    @Option(names = "--special-token", description = "an extra special token (repeatable)")
    List<String> extraSpecial = new ArrayList<>();
    @Option(names = "--chat-template", description = "a Jinja chat template file to store as chat_template in tokenizer_config.json")
    Path chatTemplate;
    @Option(names = "--model-max-length", defaultValue = "2048", description = "model_max_length in tokenizer_config.json (default ${DEFAULT-VALUE})")
    int modelMaxLength;

    @Override
    public Integer call() throws Exception {
        long start = System.nanoTime();
        String template = chatTemplate == null ? null : readTemplate(chatTemplate);
        List<String> docs = new ArrayList<>();
        for (Path f : data) docs.addAll(JsonlCorpus.read(f));
        BpeTrainer.Config config = new BpeTrainer.Config(vocabSize, minFrequency, bosToken.isEmpty() ? null : bosToken,
                eosToken, padToken.isEmpty() ? null : padToken, extraSpecial, modelMaxLength);
        long trainStart = System.nanoTime();
        TrainedBpe bpe = BpeTrainer.train(docs, config);
        double trainSeconds = (System.nanoTime() - trainStart) / 1e9;
        bpe.write(out, template);
        ObjectNode o = new ObjectMapper().createObjectNode();
        o.put("out", out.toString()).put("documents", docs.size()).put("vocab_size", bpe.tokens().size())
                .put("merges", bpe.merges().size()).put("special_tokens", bpe.specialTokens().size())
                .put("train_seconds", Math.round(trainSeconds * 1e3) / 1e3)
                .put("seconds", Math.round((System.nanoTime() - start) / 1e6) / 1e3);
        System.out.println(o);
        if (bpe.tokens().size() < vocabSize) {
            System.err.println("note: the corpus supports only " + bpe.tokens().size() + " tokens (no pair is seen "
                    + minFrequency + " times any more); asked for " + vocabSize);
        }
        return 0;
    }

    /** Reads and compiles the template, so a broken one is reported now with its file, line and column. */
    private static String readTemplate(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new IllegalArgumentException(file + ": no such file");
        String source = Files.readString(file);
        try {
            ChatTemplate.compile(source);
        } catch (TemplateException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage());
        }
        return source;
    }
}
