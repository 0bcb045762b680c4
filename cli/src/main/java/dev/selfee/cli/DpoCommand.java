package dev.selfee.cli;

import dev.selfee.engine.model.LlamaCheckpoint;
import dev.selfee.engine.model.LlamaModel;
import dev.selfee.engine.model.LoraAdapters;
import dev.selfee.spa.Progress;
import dev.selfee.spa.data.PreferenceExample;
import dev.selfee.spa.loss.ConfidenceThreshold;
import dev.selfee.spa.loss.PreferenceLoss;
import dev.selfee.spa.train.DeviceDpoTrainer;
import dev.selfee.spa.train.DpoOptions;
import dev.selfee.spa.train.DpoTrainer;
import dev.selfee.spa.train.ExampleEncoder;
import dev.selfee.spa.train.MetricsFile;
import dev.selfee.spa.train.ModelOutput;
import dev.selfee.spa.train.ReferenceLogps;
import dev.selfee.spa.train.TokenizedPair;
import dev.selfee.spa.train.TrainingOptions;
import dev.selfee.spa.train.TrainingPlan;
import dev.selfee.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code selfee dpo}: preference optimisation with TRL's losses and SPA's refined loss. */
@Command(name = "dpo", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Direct preference optimisation against a reference model (default: --model).",
                "Data: JSONL {\"prompt\", \"chosen\", \"rejected\"}: text, message lists or *_ids.",
                "The reference's log-probs are computed once and cached in OUT.partial/ref_logps.jsonl",
                "(reused while the reference and data match). With --loss spa and --spa-lambda > 0 the",
                "reference model also runs during training (DND needs its logits).",
                "While training, OUT.partial/ holds metrics.jsonl (one line per step) and, for spa,",
                "pairs_refinement.jsonl; when done it becomes OUT, with the model in transformers'",
                "layout, the tokenizer files and training_summary.json.",
                "With --lora-r > 0 only LoRA adapters train; the reference is then the",
                "policy with its adapters disabled (unless --ref); OUT holds the merged",
                "model and OUT/adapter/ the adapter in PEFT's format.",
                "--backend opencl trains the policy on the device (the reference's log-probs are",
                "scored there too; LoRA adapters too; no SGD there)."})
public final class DpoCommand implements Runnable {
    @Option(names = "--model", required = true, description = "the policy's starting model directory") Path model;
    @Option(names = "--ref", description = "reference model directory (default: --model)") Path ref;
    @Option(names = "--tokenizer", description = "tokenizer directory (default: the model's)") Path tokenizerDir;
    @Option(names = "--data", required = true, description = "JSONL preference pairs") Path data;
    @Option(names = "--out", required = true, description = "output directory") Path out;
    @Option(names = "--loss", defaultValue = "sigmoid", description = "sigmoid, cdpo, ipo or spa (default ${DEFAULT-VALUE})") String loss;
    @Option(names = "--beta", defaultValue = "0.1", description = "KL strength (default ${DEFAULT-VALUE})") double beta;
    @Option(names = "--label-smoothing", defaultValue = "0", description = "cdpo's epsilon (default ${DEFAULT-VALUE})") double labelSmoothing;
    @Option(names = "--spa-alpha", defaultValue = "0.1", description = "SPA's smoothing alpha after warm-up (default ${DEFAULT-VALUE})") double spaAlpha;
    @Option(names = "--spa-warmup-ratio", defaultValue = "0.2", description = "share of steps with alpha = 0 (default ${DEFAULT-VALUE})") double spaWarmup;
    @Option(names = "--spa-lambda", defaultValue = "0", description = "DND extrapolation lambda; 0 = off (default ${DEFAULT-VALUE})") double spaLambda;
    @Option(names = "--spa-window", defaultValue = "50", description = "pairs in the threshold's sliding window (default ${DEFAULT-VALUE})") int spaWindow;
    @Option(names = "--spa-quantile", defaultValue = "0.1", description = "the threshold's quantile K (default ${DEFAULT-VALUE})") double spaQuantile;
    @Option(names = "--spa-threshold-form", defaultValue = "released", description = "released (mid-point of two order statistics) or paper (default ${DEFAULT-VALUE})") String spaForm;
    @Mixin TrainingFlags flags;
    @Mixin BackendFlags backendFlags;

    @Override
    public void run() {
        ConfidenceThreshold.Form form = switch (spaForm) {
            case "released" -> ConfidenceThreshold.Form.RELEASED_CODE;
            case "paper" -> ConfidenceThreshold.Form.PAPER;
            default -> throw new IllegalArgumentException("unknown --spa-threshold-form '" + spaForm + "'; expected released or paper");
        };
        TrainingOptions training = flags.options(1e-6);
        var device = backendFlags.offloadTraining(flags);
        DpoOptions options = new DpoOptions(training, beta, PreferenceLoss.Type.parse(loss), labelSmoothing, spaAlpha, spaWarmup, spaLambda,
                spaWindow, spaQuantile, form);
        if (device != null) DeviceDpoTrainer.requireSupported(options, device);
        Path tokDir = tokenizerDir != null ? tokenizerDir : model;
        Tokenizer tokenizer = TrainingOutput.tokenizer(tokDir, tokenizerDir != null);
        var examples = PreferenceExample.read(data);
        LlamaModel policy = LlamaCheckpoint.load(model);
        TrainingOutput.checkVocab(tokenizer, tokDir, policy);
        LoraAdapters lora = flags.prepare(policy, training.seed());
        ExampleEncoder.Encoded<TokenizedPair> encoded = new ExampleEncoder(tokenizer, TrainingOutput.eos(tokenizer, model, policy), flags.truncation()).pairs(examples);
        if (encoded.promptsTruncated() + encoded.completionsTruncated() > 0) System.err.println("dpo: " + encoded.report(flags.truncation()));
        Path partial = ModelOutput.partial(out);
        TrainingOutput.createDirectories(partial);

        // the reference: its log-probs cached once; the model kept only when DND needs it. With LoRA
        // and no --ref it is the policy with its adapters disabled (no second copy of the weights).
        boolean separate = ref != null || (options.needsReferenceModel() && lora == null);
        LlamaModel reference = separate ? LlamaCheckpoint.load(ref != null ? ref : model) : policy;
        ReferenceLogps refLogps = ReferenceLogps.cached(reference, encoded.items(), training.batchSize(), partial.resolve(ReferenceLogps.FILE),
                Progress.onStderr("reference log-probs", encoded.items().size()), device);
        if (!options.needsReferenceModel()) reference = null;

        DpoTrainer.Result result;
        try (MetricsFile metrics = new MetricsFile(partial.resolve("metrics.jsonl"))) {
            Progress progress = Progress.onStderr("dpo " + loss, new TrainingPlan(encoded.items().size(), training).totalSteps());
            result = device == null ? DpoTrainer.train(policy, refLogps, reference, encoded.items(), options, partial, metrics, progress)
                    : DeviceDpoTrainer.train(policy, refLogps, reference, encoded.items(), options, partial, metrics, progress, device);
        }
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("train", result.summary());
        summary.put("pairs", encoded.items().size());
        summary.put("prompts_truncated", encoded.promptsTruncated());
        summary.put("completions_truncated", encoded.completionsTruncated());
        summary.put("options", options);
        if (lora != null) summary.put("lora", TrainingFlags.summary(lora));
        TrainingOutput.finish(policy, model, tokDir, partial, out, summary);
        System.err.printf("dpo: %d steps, train loss %.4f, saved to %s%n", result.summary().steps(), result.summary().trainLoss(), out);
    }
}
