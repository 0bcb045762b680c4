package dev.selfee.spa.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.selfee.spa.loss.PreferenceLoss;
import dev.selfee.spa.train.DpoOptions;
import dev.selfee.spa.train.TrainingOptions;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The benchmark's optimisation settings, fixed across presets and judges: those a PyTorch
 * prototype of this benchmark found to work (SFT AdamW 2e-3 cosine, batch 64; DPO β 0.5, batch 32
 * pairs, AdamW, 10% warm-up, clipping at 1; seed DPO lr 5e-5 for 4 epochs; each self-annotation
 * iteration lr 2e-5 for 1 epoch; 2 samples per prompt at T = 1; evaluation at T = 0.7).
 */
public final class DemoHyperparameters {
    public static final double BETA = 0.5;
    public static final int SAMPLES_PER_PROMPT = 2;
    public static final double SAMPLE_TEMPERATURE = 1.0;
    public static final double EVAL_TEMPERATURE = 0.7;
    public static final double SPA_ALPHA = 0.1;
    public static final double SPA_WARMUP = 0.2;

    private static final ObjectMapper JSON = new ObjectMapper();

    private DemoHyperparameters() {}

    public static TrainingOptions sft(DemoConfig c, long seed) {
        return TrainingOptions.defaults().withBatchSize(64).withEpochs(c.sftEpochs()).withLearningRate(2e-3)
                .withSchedule(TrainingOptions.Schedule.COSINE, 0).withMaxGradNorm(1.0).withSeed(seed);
    }

    private static DpoOptions dpo(double lr, double epochs, long seed) {
        TrainingOptions t = TrainingOptions.defaults().withBatchSize(32).withEpochs(epochs).withLearningRate(lr)
                .withSchedule(TrainingOptions.Schedule.LINEAR, 0.1).withMaxGradNorm(1.0).withSeed(seed);
        return DpoOptions.defaults().withTraining(t).withBeta(BETA).withLoss(PreferenceLoss.Type.SIGMOID);
    }

    /** DPO on the gold-labelled seed. */
    public static DpoOptions seedDpo(long seed) {
        return dpo(5e-5, 4, seed);
    }

    /** One iteration of DPO on freshly labelled pairs (gold, external judge or the SPA loss). */
    public static DpoOptions iterationDpo(long seed) {
        return dpo(2e-5, 1, seed);
    }

    /** DND's extrapolation strength in iteration {@code i} (1-based): 1/2, 1/4, 1/8, ... */
    public static double spaLambda(int iteration) {
        return Math.pow(0.5, iteration);
    }

    /**
     * The SPA loop's configuration for {@code method}: the same seed DPO and per-iteration settings
     * as the DPO rows, the SPA loss with the method's α, λ and judging reference.
     */
    public static ObjectNode spaLoop(DemoMethod method, DemoConfig c, long seed, Path sftModel, Path seedData, Path pool) {
        ObjectNode o = JSON.createObjectNode();
        o.put("sft_model", sftModel.toString());
        o.put("seed_data", seedData.toString());
        o.put("prompt_pool", pool.toString());
        ArrayNode sizes = o.putArray("iteration_sizes");
        ArrayNode lambdas = o.putArray("spa_lambdas");
        for (int i = 1; i <= c.iterations(); i++) {
            sizes.add(c.poolPerIteration());
            lambdas.add(method.lambda(i));
        }
        o.put("seed", seed);
        o.put("samples_per_prompt", SAMPLES_PER_PROMPT);
        o.put("temperature", SAMPLE_TEMPERATURE);
        o.put("max_new_tokens", c.maxNewTokens());
        o.put("generation_batch_size", 128);
        o.put("judging_reference", method.judgingReference().name().toLowerCase(Locale.ROOT));
        o.put("pair_selection", "min_max");
        o.put("beta", BETA);
        o.put("loss", "spa");
        o.put("spa_alpha", method.alpha());
        o.put("spa_warmup_ratio", SPA_WARMUP);
        TrainingOptions seedT = seedDpo(seed).training(), it = iterationDpo(seed).training();
        o.put("seed_lr", seedT.learningRate());
        o.put("seed_epochs", seedT.numTrainEpochs());
        o.put("lr", it.learningRate());
        o.put("epochs", it.numTrainEpochs());
        o.put("batch_size", it.batchSize());
        o.put("gradient_accumulation_steps", 1);
        o.put("lr_scheduler_type", it.lrSchedulerType().name().toLowerCase(Locale.ROOT));
        o.put("warmup_ratio", it.warmupRatio());
        o.put("weight_decay", it.weightDecay());
        o.put("max_grad_norm", it.maxGradNorm());
        return o;
    }
}
