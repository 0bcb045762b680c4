package dev.selfee.spa.loop;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.selfee.engine.model.LoraConfig;
import dev.selfee.spa.judge.JudgingReference;
import dev.selfee.spa.judge.PairSelection;
import dev.selfee.spa.loss.ConfidenceThreshold;
import dev.selfee.spa.loss.PreferenceLoss;
import dev.selfee.spa.train.DpoOptions;
import dev.selfee.spa.train.TrainingOptions;
import dev.selfee.spa.train.Truncation;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Everything an SPA run needs, as {@code run.json} spells it (snake_case; every field is also a
 * {@code selfee spa} flag). Defaults are SPA.md's: K = 2 samples at temperature 0.7, 300 new
 * tokens, the SFT model as judging reference, min_max pairs, β 0.1, λ = 1/2, 1/4, 1/8, α 0.1
 * after 20% of the steps; seed DPO lr 5e-7 for 3 epochs, iterations lr 5e-7 for 1 epoch with a
 * cosine schedule and 10% warm-up, effective batch 32. With {@code lora_r} > 0 every training
 * stage trains fresh LoRA adapters on the previous model (merged into it on save), with the
 * adapters disabled as the reference, so no second model copy is held.
 */
public record SpaConfig(
        @JsonProperty("sft_model") String sftModel,
        @JsonProperty("tokenizer") String tokenizer,
        @JsonProperty("seed_data") String seedData,
        @JsonProperty("prompts") List<String> prompts,
        @JsonProperty("prompt_pool") String promptPool,
        @JsonProperty("iteration_sizes") List<Integer> iterationSizes,
        @JsonProperty("seed") long seed,
        @JsonProperty("samples_per_prompt") int samplesPerPrompt,
        @JsonProperty("temperature") double temperature,
        @JsonProperty("top_p") double topP,
        @JsonProperty("top_k") int topK,
        @JsonProperty("max_new_tokens") int maxNewTokens,
        @JsonProperty("generation_batch_size") int generationBatchSize,
        @JsonProperty("judging_reference") String judgingReference,
        @JsonProperty("pair_selection") String pairSelection,
        @JsonProperty("beta") double beta,
        @JsonProperty("loss") String loss,
        @JsonProperty("spa_lambdas") List<Double> spaLambdas,
        @JsonProperty("spa_alpha") double spaAlpha,
        @JsonProperty("spa_warmup_ratio") double spaWarmupRatio,
        @JsonProperty("spa_window") int spaWindow,
        @JsonProperty("spa_quantile") double spaQuantile,
        @JsonProperty("spa_threshold_form") String spaThresholdForm,
        @JsonProperty("seed_lr") double seedLr,
        @JsonProperty("seed_epochs") double seedEpochs,
        @JsonProperty("lr") double lr,
        @JsonProperty("epochs") double epochs,
        @JsonProperty("batch_size") int batchSize,
        @JsonProperty("gradient_accumulation_steps") int gradientAccumulationSteps,
        @JsonProperty("lr_scheduler_type") String lrSchedulerType,
        @JsonProperty("warmup_ratio") double warmupRatio,
        @JsonProperty("weight_decay") double weightDecay,
        @JsonProperty("max_grad_norm") double maxGradNorm,
        @JsonProperty("max_length") int maxLength,
        @JsonProperty("max_prompt_length") int maxPromptLength,
        @JsonProperty("save_steps") int saveSteps,
        @JsonProperty("lora_r") int loraR,
        @JsonProperty("lora_alpha") double loraAlpha,
        @JsonProperty("lora_target_modules") String loraTargetModules) {

    static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

    /** SPA.md's defaults; the paths are left for the user. */
    public static SpaConfig defaults() {
        return new SpaConfig(null, null, null, null, null, null, 42, 2, 0.7, 1.0, 0, 300, 8, "sft", "min_max", 0.1, "spa",
                List.of(0.5, 0.25, 0.125), 0.1, 0.2, 50, 0.10, "released", 5e-7, 3, 5e-7, 1, 8, 4, "cosine", 0.1, 0, 1.0, 2048, 1024, 0, 0, 8, "q_proj,v_proj");
    }

    /**
     * The defaults, overlaid by {@code file}'s fields (when not null), overlaid by {@code overrides}
     * (flags: snake_case name → value); then checked. Errors name the file and the field.
     */
    public static SpaConfig resolve(Path file, ObjectNode overrides) {
        ObjectNode merged = JSON.valueToTree(defaults());
        String where = file == null ? "flags" : file.toString();
        if (file != null) {
            JsonNode fromFile;
            try {
                fromFile = JSON.readTree(file.toFile());
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException(file + ": not valid JSON (" + e.getOriginalMessage() + ")");
            } catch (IOException e) {
                throw new IllegalArgumentException(file + ": cannot read: " + e.getMessage());
            }
            if (fromFile == null || !fromFile.isObject()) throw new IllegalArgumentException(file + ": expected a JSON object");
            merged.setAll((ObjectNode) fromFile);
        }
        if (overrides != null) merged.setAll(overrides);
        SpaConfig c;
        try {
            c = JSON.treeToValue(merged, SpaConfig.class);
        } catch (UnrecognizedPropertyException e) {
            throw new IllegalArgumentException(where + ": unknown field \"" + e.getPropertyName() + "\"");
        } catch (JsonProcessingException e) {
            String field = e instanceof com.fasterxml.jackson.databind.JsonMappingException m && !m.getPath().isEmpty()
                    ? m.getPath().getFirst().getFieldName() : "?";
            throw new IllegalArgumentException(where + ": field \"" + field + "\" has the wrong type (" + e.getOriginalMessage() + ")");
        }
        c.validate(where);
        return c;
    }

    /** Checks every field, naming the first bad one. */
    void validate(String where) {
        require(sftModel != null, where, "sft_model", "is required (the SFT model directory)");
        require(seedData != null, where, "seed_data", "is required (the seed preference JSONL)");
        require((prompts != null && !prompts.isEmpty()) != (promptPool != null), where, "prompts",
                "give either \"prompts\" (one JSONL per iteration) or \"prompt_pool\" with \"iteration_sizes\"");
        if (promptPool != null) {
            require(iterationSizes != null && !iterationSizes.isEmpty() && iterationSizes.stream().allMatch(n -> n != null && n > 0),
                    where, "iteration_sizes", "must list a positive prompt count per iteration");
        }
        require(samplesPerPrompt >= 2, where, "samples_per_prompt", "must be >= 2");
        require(maxNewTokens >= 1, where, "max_new_tokens", "must be >= 1");
        require(generationBatchSize >= 1, where, "generation_batch_size", "must be >= 1");
        require(spaLambdas != null && spaLambdas.stream().allMatch(l -> l != null && l >= 0), where, "spa_lambdas", "must list λ >= 0 values");
        try {
            JudgingReference.parse(judgingReference);
            PairSelection.parse(pairSelection);
            PreferenceLoss.Type.parse(loss);
            thresholdForm();
            TrainingOptions.Schedule.parse(lrSchedulerType);
            seedOptions();
            iterationOptions(1);
            truncation();
            lora();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": " + e.getMessage());
        }
    }

    private static void require(boolean ok, String where, String field, String what) {
        if (!ok) throw new IllegalArgumentException(where + ": field \"" + field + "\" " + what);
    }

    /** Number of iterations: one per prompt file, or one per pool slice. */
    public int iterations() {
        return prompts != null ? prompts.size() : iterationSizes.size();
    }

    /** λ for iteration {@code i} (1-based): the list's entry, or its last one past its end. */
    public double lambda(int i) {
        return spaLambdas.isEmpty() ? 0 : spaLambdas.get(Math.min(i, spaLambdas.size()) - 1);
    }

    ConfidenceThreshold.Form thresholdForm() {
        return switch (spaThresholdForm) {
            case "released" -> ConfidenceThreshold.Form.RELEASED_CODE;
            case "paper" -> ConfidenceThreshold.Form.PAPER;
            default -> throw new IllegalArgumentException("field \"spa_threshold_form\" must be released or paper, got '" + spaThresholdForm + "'");
        };
    }

    private TrainingOptions training(double learningRate, double numEpochs) {
        return TrainingOptions.defaults().withBatchSize(batchSize).withGradientAccumulationSteps(gradientAccumulationSteps)
                .withEpochs(numEpochs).withLearningRate(learningRate)
                .withSchedule(TrainingOptions.Schedule.parse(lrSchedulerType), warmupRatio)
                .withOptimizer(TrainingOptions.OptimizerType.ADAMW, weightDecay).withMaxGradNorm(maxGradNorm)
                .withSeed(seed).withSaveSteps(saveSteps);
    }

    /** Step 1: sigmoid DPO of the SFT model on the seed. */
    public DpoOptions seedOptions() {
        return DpoOptions.defaults().withTraining(training(seedLr, seedEpochs)).withBeta(beta).withLoss(PreferenceLoss.Type.SIGMOID);
    }

    /** Iteration {@code i}: the configured loss (SPA by default) with that iteration's λ. */
    public DpoOptions iterationOptions(int i) {
        PreferenceLoss.Type type = PreferenceLoss.Type.parse(loss);
        DpoOptions o = DpoOptions.defaults().withTraining(training(lr, epochs).withSeed(seed + i)).withBeta(beta).withLoss(type);
        if (type == PreferenceLoss.Type.SPA) {
            o = o.withSpa(spaAlpha, spaWarmupRatio, lambda(i)).withSpaThreshold(spaWindow, spaQuantile, thresholdForm());
        }
        return o;
    }

    /** The LoRA adapters each training stage attaches, or null when {@code lora_r} is 0 (full fine-tuning). */
    public LoraConfig lora() {
        if (loraR < 0) throw new IllegalArgumentException("field \"lora_r\" must be >= 0 (0: no LoRA), got " + loraR);
        return loraR == 0 ? null : LoraConfig.of(loraR, loraAlpha, loraTargetModules);
    }

    public Truncation truncation() {
        return new Truncation(maxLength, maxPromptLength);
    }

    public String toJson() {
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
