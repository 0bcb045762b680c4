package dev.selfee.cli;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.selfee.spa.loop.SpaConfig;
import dev.selfee.spa.loop.SpaLoop;
import java.lang.reflect.RecordComponent;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;

/**
 * {@code selfee spa}: the whole SPA loop, resumable. Every field of {@code run.json} is also a
 * flag ({@code max_new_tokens} → {@code --max-new-tokens}); the flags are made from
 * {@link SpaConfig}'s fields, so the two can never drift apart.
 */
@Command(name = "spa", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run SPA: DPO on the seed, then per iteration generate → judge with the implicit reward → train with the SPA loss.",
                "Stages are written to the run directory and marked complete; --resume continues a killed run from its last completed stage.",
                "List fields (prompts, iteration_sizes, spa_lambdas) take comma-separated values."})
final class SpaCommand implements Callable<Integer> {
    @CommandLine.Spec CommandSpec spec;

    @Option(names = "--config", description = "run.json (snake_case fields; flags override them)") Path config;
    @Option(names = "--out", description = "run directory (required unless --resume)") Path out;
    @Option(names = "--resume", description = "continue the run in this directory with its saved configuration") Path resume;
    @picocli.CommandLine.Mixin BackendFlags backendFlags;

    /** What the less obvious fields mean. */
    private static final java.util.Map<String, String> HELP = java.util.Map.ofEntries(
            java.util.Map.entry("sft_model", "the SFT model directory (π_SFT; with its tokenizer)"),
            java.util.Map.entry("tokenizer", "tokenizer directory, if not the SFT model's"),
            java.util.Map.entry("seed_data", "the human-labelled seed pairs {prompt, chosen, rejected}"),
            java.util.Map.entry("prompts", "one prompt JSONL per iteration"),
            java.util.Map.entry("prompt_pool", "one prompt JSONL split across the iterations by iteration_sizes"),
            java.util.Map.entry("iteration_sizes", "prompts per iteration taken from prompt_pool"),
            java.util.Map.entry("samples_per_prompt", "K responses sampled per prompt"),
            java.util.Map.entry("judging_reference", "sft, previous or none: what the implicit reward subtracts"),
            java.util.Map.entry("pair_selection", "min_max or max_chosen"),
            java.util.Map.entry("loss", "the iterations' loss: spa, sigmoid, cdpo or ipo"),
            java.util.Map.entry("spa_lambdas", "DND's λ per iteration (0: off)"),
            java.util.Map.entry("spa_alpha", "label smoothing of low-confidence pairs"),
            java.util.Map.entry("spa_warmup_ratio", "share of steps with α = 0"),
            java.util.Map.entry("spa_window", "pairs in the threshold's sliding window"),
            java.util.Map.entry("spa_quantile", "the threshold's quantile K"),
            java.util.Map.entry("spa_threshold_form", "released (mid-point of two order statistics) or paper"),
            java.util.Map.entry("seed_lr", "learning rate of the seed DPO"),
            java.util.Map.entry("seed_epochs", "epochs of the seed DPO"),
            java.util.Map.entry("lr", "learning rate of each iteration"),
            java.util.Map.entry("epochs", "epochs of each iteration"),
            java.util.Map.entry("save_steps", "trainer checkpoints every N steps, for resuming inside a stage (0: none)"),
            java.util.Map.entry("lora_r", "LoRA rank: each stage trains adapters on the previous model, merged on save (0: full fine-tuning)"),
            java.util.Map.entry("lora_target_modules", "q_proj,v_proj or all-linear"));

    /** Adds one flag per configuration field to the command's spec. */
    static CommandLine withConfigFlags(CommandLine cl) {
        CommandSpec spec = cl.getCommandSpec();
        for (RecordComponent rc : SpaConfig.class.getRecordComponents()) {
            String field = rc.getAccessor().getAnnotation(JsonProperty.class).value();
            spec.addOption(OptionSpec.builder("--" + field.replace('_', '-')).type(String.class).paramLabel(paramLabel(rc))
                    .description((HELP.getOrDefault(field, "") + " [\"" + field + "\", default " + defaultOf(rc) + "]").strip()).build());
        }
        return cl;
    }

    private static String paramLabel(RecordComponent rc) {
        Class<?> t = rc.getType();
        if (List.class.isAssignableFrom(t)) return "A,B,...";
        if (t == int.class || t == long.class) return "N";
        if (t == double.class) return "X";
        return "VALUE";
    }

    private static String defaultOf(RecordComponent rc) {
        try {
            Object v = rc.getAccessor().invoke(SpaConfig.defaults());
            return v == null ? "none" : v.toString();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public Integer call() {
        if (resume != null) {
            if (config != null || out != null || hasFieldFlags()) {
                throw new IllegalArgumentException("--resume takes the run's saved configuration; give no --config, --out or field flags with it");
            }
            SpaLoop.resume(resume, System.out, backendFlags.offload());
            return 0;
        }
        if (out == null) throw new IllegalArgumentException("--out is required (the run directory), or --resume RUN_DIR");
        SpaConfig c = SpaConfig.resolve(config, fieldFlags());
        SpaLoop.start(c, out, System.out, backendFlags.offload());
        return 0;
    }

    private boolean hasFieldFlags() {
        return !fieldFlags().isEmpty();
    }

    /** The field flags given on the command line, converted to the field's JSON type. */
    private ObjectNode fieldFlags() {
        ObjectNode o = BenchCommand.JSON.createObjectNode();
        for (RecordComponent rc : SpaConfig.class.getRecordComponents()) {
            String field = rc.getAccessor().getAnnotation(JsonProperty.class).value();
            OptionSpec opt = spec.findOption("--" + field.replace('_', '-'));
            if (opt == null || !spec.commandLine().getParseResult().hasMatchedOption(opt)) continue;
            String v = opt.getValue();
            Class<?> t = rc.getType();
            try {
                if (t == int.class) o.put(field, Integer.parseInt(v));
                else if (t == long.class) o.put(field, Long.parseLong(v));
                else if (t == double.class) o.put(field, Double.parseDouble(v));
                else if (List.class.isAssignableFrom(t)) {
                    ArrayNode a = o.putArray(field);
                    String element = rc.getGenericType().getTypeName();
                    for (String part : v.split(",")) {
                        String s = part.strip();
                        if (element.contains("Integer")) a.add(Integer.parseInt(s));
                        else if (element.contains("Double")) a.add(Double.parseDouble(s));
                        else a.add(s);
                    }
                } else o.put(field, v);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(opt.longestName() + ": '" + v + "' is not a number");
            }
        }
        return o;
    }
}
