package dev.selfee.cli;

import dev.selfee.engine.io.LlamaConfig;
import dev.selfee.engine.model.LlamaCheckpoint;
import dev.selfee.engine.model.LlamaModel;
import dev.selfee.engine.model.LoraAdapters;
import dev.selfee.spa.Progress;
import dev.selfee.spa.data.SftExample;
import dev.selfee.spa.train.DeviceSftTrainer;
import dev.selfee.spa.train.ExampleEncoder;
import dev.selfee.spa.train.MetricsFile;
import dev.selfee.spa.train.ModelOutput;
import dev.selfee.spa.train.SftTrainer;
import dev.selfee.spa.train.TokenizedExample;
import dev.selfee.spa.train.TrainingOptions;
import dev.selfee.spa.train.TrainingPlan;
import dev.selfee.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code selfee sft}: supervised fine-tuning on completions, or training a new model from scratch. */
@Command(name = "sft", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Supervised fine-tuning; the loss is on completion tokens only.",
                "Data: JSONL {\"prompt\", \"completion\"} (text or *_ids) or {\"messages\"}",
                "(the chat template renders the prompt). --init-config FILE --tokenizer DIR trains",
                "a new, randomly initialised model from a config.json.",
                "While training, OUT.partial/ holds metrics.jsonl (one line per step); when done it",
                "becomes OUT, with the model in transformers' layout, the tokenizer files and",
                "training_summary.json.",
                "With --lora-r > 0 only LoRA adapters train (the base weights stay frozen);",
                "OUT holds the merged model and OUT/adapter/ the adapter in PEFT's format.",
                "--backend opencl trains on the device (weights uploaded once, LoRA adapters too; no SGD there)."})
public final class SftCommand implements Runnable {
    @Option(names = "--model", description = "model directory to fine-tune") Path model;
    @Option(names = "--init-config", description = "config.json of a new model to train from scratch (needs --tokenizer)") Path initConfig;
    @Option(names = "--tokenizer", description = "tokenizer directory (default: the model's)") Path tokenizerDir;
    @Option(names = "--data", required = true, description = "JSONL training data") Path data;
    @Option(names = "--out", required = true, description = "output directory") Path out;
    @Mixin TrainingFlags flags;
    @Mixin BackendFlags backendFlags;

    @Override
    public void run() {
        if ((model == null) == (initConfig == null)) throw new IllegalArgumentException("give exactly one of --model DIR or --init-config FILE");
        if (initConfig != null && tokenizerDir == null) throw new IllegalArgumentException("--init-config needs --tokenizer DIR");
        Path tokDir = tokenizerDir != null ? tokenizerDir : model;
        Tokenizer tokenizer = TrainingOutput.tokenizer(tokDir, tokenizerDir != null);
        TrainingOptions options = flags.options(2e-5);
        var device = backendFlags.offloadTraining(flags);
        if (device != null) DeviceSftTrainer.requireSupported(options, device);
        var examples = SftExample.read(data);
        LlamaModel m = model != null ? LlamaCheckpoint.load(model) : LlamaModel.random(LlamaConfig.read(initConfig), options.seed());
        TrainingOutput.checkVocab(tokenizer, tokDir, m);
        LoraAdapters lora = flags.prepare(m, options.seed());
        ExampleEncoder.Encoded<TokenizedExample> encoded = new ExampleEncoder(tokenizer, TrainingOutput.eos(tokenizer, model, m), flags.truncation()).examples(examples);
        if (encoded.promptsTruncated() + encoded.completionsTruncated() > 0) System.err.println("sft: " + encoded.report(flags.truncation()));
        Path partial = ModelOutput.partial(out);
        TrainingOutput.createDirectories(partial);
        SftTrainer.Result result;
        try (MetricsFile metrics = new MetricsFile(partial.resolve("metrics.jsonl"))) {
            Progress progress = Progress.onStderr("sft", new TrainingPlan(encoded.items().size(), options).totalSteps());
            result = device == null ? SftTrainer.train(m, encoded.items(), options, partial, metrics, progress)
                    : DeviceSftTrainer.train(m, encoded.items(), options, partial, metrics, progress, device);
        }
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("train", result.summary());
        summary.put("examples", encoded.items().size());
        summary.put("prompts_truncated", encoded.promptsTruncated());
        summary.put("completions_truncated", encoded.completionsTruncated());
        summary.put("options", options);
        if (lora != null) summary.put("lora", TrainingFlags.summary(lora));
        TrainingOutput.finish(m, model, tokDir, partial, out, summary);
        System.err.printf("sft: %d steps, train loss %.4f, saved to %s%n", result.summary().steps(), result.summary().trainLoss(), out);
    }
}
