package dev.selfee.spa.loop;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.selfee.engine.backend.Backend;
import dev.selfee.engine.io.AtomicFiles;
import dev.selfee.engine.model.DeviceGenerator;
import dev.selfee.engine.model.Generator;
import dev.selfee.engine.model.LlamaCheckpoint;
import dev.selfee.engine.model.LlamaModel;
import dev.selfee.engine.model.SamplingOptions;
import dev.selfee.engine.model.device.DeviceLlama;
import dev.selfee.spa.Progress;
import dev.selfee.spa.data.Jsonl;
import dev.selfee.spa.data.PreferenceExample;
import dev.selfee.spa.data.PromptExample;
import dev.selfee.spa.data.Text;
import dev.selfee.spa.judge.ImplicitRewardJudge;
import dev.selfee.spa.judge.GenerationsJudging;
import dev.selfee.spa.judge.JudgingReference;
import dev.selfee.spa.judge.PairSelection;
import dev.selfee.spa.run.RunDirectory;
import dev.selfee.spa.train.DeviceDpoTrainer;
import dev.selfee.spa.train.DpoOptions;
import dev.selfee.spa.train.DpoTrainer;
import dev.selfee.spa.train.ExampleEncoder;
import dev.selfee.spa.train.MetricsFile;
import dev.selfee.spa.train.ModelOutput;
import dev.selfee.spa.train.ReferenceLogps;
import dev.selfee.spa.train.TokenizedPair;
import dev.selfee.spa.train.TrainingPlan;
import dev.selfee.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The SPA loop (SPA.md): DPO of the SFT model on the seed gives π₀; then for each iteration i,
 * π_{i−1} samples K responses per fresh prompt ({@code it<i>-generate}), judges them with the
 * implicit reward against the judging reference ({@code it<i>-judge}), and is trained on the
 * resulting pairs with the SPA loss and itself as the training reference ({@code it<i>-train}).
 *
 * <p>Each stage lives in its own folder of the {@link RunDirectory} and is marked complete only
 * after all its files are written, so a killed run resumes at the first incomplete stage. Every
 * stage's randomness comes from the run seed and its iteration, so the resumed run reaches the
 * same weights as an uninterrupted one. Trainers work in {@code work/<stage>} (reference log-prob
 * cache, checkpoints every {@code save_steps}), which a restarted stage reuses. Given a
 * {@link Backend}, generation, judging and DPO (with the reference's log-probs) run on that device.
 */
public final class SpaLoop {
    public static final String CONFIG_FILE = "config.json";
    public static final String SUMMARY_FILE = "summary.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final SpaConfig config;
    private final RunDirectory run;
    private final Tokenizer tokenizer;
    private final Path tokenizerDir;
    private final ExampleEncoder encoder;
    private final PrintStream log;
    /** Where generation, judging and training run: null for the CPU engine, else a device. */
    private final Backend backend;

    private SpaLoop(SpaConfig config, Path runDir, PrintStream log, Backend backend) {
        this.backend = backend;
        this.config = config;
        this.run = new RunDirectory(runDir);
        this.tokenizerDir = Path.of(config.tokenizer() != null ? config.tokenizer() : config.sftModel());
        this.tokenizer = Tokenizer.load(tokenizerDir);
        this.encoder = new ExampleEncoder(tokenizer, config.truncation());
        this.log = log;
    }

    /** Starts a run in {@code runDir} (which must not hold another run's config) and runs it to the end. */
    public static ObjectNode start(SpaConfig config, Path runDir, PrintStream log) {
        return start(config, runDir, log, null);
    }

    /**
     * As {@link #start(SpaConfig, Path, PrintStream)}, generating and training on {@code backend}
     * (null: the CPU engine). The backend is not part of the run's configuration: a run may resume on another.
     */
    public static ObjectNode start(SpaConfig config, Path runDir, PrintStream log, Backend backend) {
        Path cfg = runDir.resolve(CONFIG_FILE);
        try {
            if (Files.exists(cfg)) {
                SpaConfig existing = SpaConfig.resolve(cfg, null);
                if (!existing.equals(config)) {
                    throw new IllegalArgumentException(runDir + " already holds a run with another configuration; use --resume " + runDir + " or a new --out");
                }
            } else {
                AtomicFiles.writeString(cfg, config.toJson());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(cfg + ": " + e.getMessage(), e);
        }
        return new SpaLoop(config, runDir, log, backend).runAll();
    }

    /** Continues the run in {@code runDir} from its last completed stage. */
    public static ObjectNode resume(Path runDir, PrintStream log) {
        return resume(runDir, log, null);
    }

    /** As {@link #resume(Path, PrintStream)}, generating and training on {@code backend} (null: the CPU engine). */
    public static ObjectNode resume(Path runDir, PrintStream log, Backend backend) {
        Path cfg = runDir.resolve(CONFIG_FILE);
        if (!Files.isRegularFile(cfg)) throw new IllegalArgumentException(runDir + " is not an SPA run directory (no " + CONFIG_FILE + ")");
        return new SpaLoop(SpaConfig.resolve(cfg, null), runDir, log, backend).runAll();
    }

    private ObjectNode runAll() {
        List<List<Text>> prompts = iterationPrompts();
        seedDpo();
        for (int i = 1; i <= config.iterations(); i++) {
            generate(i, prompts.get(i - 1));
            judge(i);
            train(i);
        }
        ObjectNode summary = summary();
        try {
            AtomicFiles.writeString(run.root().resolve(SUMMARY_FILE), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(summary));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        printTable(summary);
        return summary;
    }

    // ---- inputs ----

    private List<List<Text>> iterationPrompts() {
        List<List<Text>> out = new ArrayList<>();
        if (config.prompts() != null) {
            for (String f : config.prompts()) out.add(PromptExample.read(Path.of(f)).stream().map(PromptExample::prompt).toList());
            return out;
        }
        Path pool = Path.of(config.promptPool());
        List<Text> all = PromptExample.read(pool).stream().map(PromptExample::prompt).toList();
        int need = config.iterationSizes().stream().mapToInt(Integer::intValue).sum();
        if (need > all.size()) {
            throw new IllegalArgumentException(pool + ": iteration_sizes ask for " + need + " prompts but the pool has " + all.size());
        }
        int at = 0;
        for (int n : config.iterationSizes()) {
            out.add(all.subList(at, at + n));
            at += n;
        }
        return out;
    }

    private LlamaModel sft() {
        return LlamaCheckpoint.load(Path.of(config.sftModel()));
    }

    /** π_i: π₀ after the seed DPO, π_i after iteration i; π₋₁ is the SFT model. */
    private LlamaModel policy(int i) {
        if (i < 0) return sft();
        return LlamaCheckpoint.load(run.stage(i == 0 ? "it0-seed-dpo" : "it" + i + "-train").dir().resolve("model"));
    }

    // ---- stages ----

    private void seedDpo() {
        RunDirectory.Stage s = run.stage("it0-seed-dpo");
        if (s.isComplete()) return;
        Path dir = s.begin();
        log.println("[seed-dpo] DPO of the SFT model on " + config.seedData());
        ExampleEncoder.Encoded<TokenizedPair> pairs = encoder.pairs(PreferenceExample.read(Path.of(config.seedData())));
        log.println("[seed-dpo] " + pairs.items().size() + " pairs; " + pairs.report(config.truncation()));
        trainStage(s, dir, -1, pairs.items(), config.seedOptions(), Map.of("pairs", pairs.items().size()));
    }

    private void generate(int i, List<Text> prompts) {
        RunDirectory.Stage s = run.stage("it" + i + "-generate");
        if (s.isComplete()) return;
        Path dir = s.begin();
        LlamaModel policy = policy(i - 1);
        int k = config.samplesPerPrompt();
        List<int[]> ids = new ArrayList<>();
        for (int p = 0; p < prompts.size(); p++) ids.add(encoder.prompt(prompts.get(p), "prompt " + (p + 1)));
        List<Integer> eos = policy.config().eosTokenIds();
        SamplingOptions options = new SamplingOptions(config.temperature(), config.topK(), config.topP(), config.maxNewTokens(),
                s.seed(config.seed()), eos.stream().mapToInt(Integer::intValue).toArray());
        // row p·K + j is sample j of prompt p; each row draws from its own stream, so batching does not matter
        List<int[]> rows = new ArrayList<>();
        for (int[] p : ids) for (int j = 0; j < k; j++) rows.add(p);
        List<Generator.Generation> gens = new ArrayList<>();
        Progress progress = Progress.onStderr("it" + i + " generate", rows.size());
        try (DeviceLlama device = backend == null ? null : DeviceLlama.uploadFrozen(policy, backend)) {
            for (int at = 0; at < rows.size(); at += config.generationBatchSize()) {
                List<int[]> batch = rows.subList(at, Math.min(rows.size(), at + config.generationBatchSize()));
                gens.addAll(device == null ? Generator.generate(policy, batch, options, at) : DeviceGenerator.generate(device, batch, options, at));
                progress.update(at + batch.size(), null);
            }
        }
        StringBuilder out = new StringBuilder();
        for (int p = 0; p < prompts.size(); p++) {
            ObjectNode o = JSON.createObjectNode();
            o.put("prompt", text(prompts.get(p), ids.get(p)));
            putIds(o.putArray("prompt_ids"), ids.get(p));
            ArrayNode texts = o.putArray("responses"), tokens = o.putArray("responses_ids");
            for (int j = 0; j < k; j++) {
                int[] r = gens.get(p * k + j).tokens();
                texts.add(tokenizer.decode(r, true));
                putIds(tokens.addArray(), r);
            }
            out.append(o).append('\n');
        }
        write(dir.resolve("generations.jsonl"), out.toString());
        s.complete(Map.of("prompts", prompts.size(), "samples_per_prompt", k));
    }

    private void judge(int i) {
        RunDirectory.Stage s = run.stage("it" + i + "-judge");
        if (s.isComplete()) return;
        Path dir = s.begin();
        LlamaModel policy = policy(i - 1);
        JudgingReference refKind = JudgingReference.parse(config.judgingReference());
        LlamaModel reference = switch (refKind) {
            case SFT -> sft();
            case PREVIOUS -> policy(i - 2);
            case NONE -> null;
        };
        ImplicitRewardJudge judge = new ImplicitRewardJudge(policy, reference, PairSelection.parse(config.pairSelection()), config.beta(),
                config.generationBatchSize(), backend);
        log.println("[it" + i + " judge] implicit reward against " + refKind.name().toLowerCase());
        GenerationsJudging.Result r = GenerationsJudging.judge(judge, run.stage("it" + i + "-generate").dir().resolve("generations.jsonl"),
                tokenizer.eosId(), s.seed(config.seed()));
        if (r.pairs() == 0) {
            throw new IllegalStateException("iteration " + i + ": every prompt's samples were identical, so there is nothing to train on"
                    + " (raise temperature or samples_per_prompt)");
        }
        write(dir.resolve("pairs.jsonl"), r.pairsJsonl());
        s.complete(Map.of("pairs", r.pairs(), "prompts", r.prompts(), "identical_dropped", r.identicalDropped(), "mean_probability", r.meanProbability()));
    }

    private void train(int i) {
        RunDirectory.Stage s = run.stage("it" + i + "-train");
        if (s.isComplete()) return;
        Path dir = s.begin();
        Path pairsFile = run.stage("it" + i + "-judge").dir().resolve("pairs.jsonl");
        List<PreferenceExample> examples = Jsonl.read(pairsFile, o -> new PreferenceExample(
                new Text.Ids(Jsonl.requireIntArray(o, "prompt_ids")), new Text.Ids(Jsonl.requireIntArray(o, "chosen_ids")),
                new Text.Ids(Jsonl.requireIntArray(o, "rejected_ids"))));
        List<TokenizedPair> pairs = encoder.pairs(examples).items();
        DpoOptions o = config.iterationOptions(i);
        log.println("[it" + i + " train] " + o.loss().name().toLowerCase() + " on " + pairs.size() + " pairs, λ " + o.spaLambda());
        // the previous iteration is the training reference
        trainStage(s, dir, i - 1, pairs, o, Map.of("pairs", pairs.size(), "lambda", o.spaLambda()));
    }

    /**
     * Trains π_{from} against its own starting point: a second copy of it, or with LoRA the same
     * model with its fresh adapters disabled.
     */
    private void trainStage(RunDirectory.Stage s, Path dir, int from, List<TokenizedPair> pairs, DpoOptions options, Map<String, Object> facts) {
        LlamaModel policy = policy(from), reference;
        if (config.lora() != null) {
            policy.attachLora(config.lora(), s.seed(config.seed()));
            reference = policy;
        } else {
            reference = policy(from);
        }
        Path work = run.root().resolve("work").resolve(s.name());
        Progress progress = Progress.onStderr(s.name(), new TrainingPlan(pairs.size(), options.training()).totalSteps());
        DpoTrainer.Result r;
        try (MetricsFile metrics = new MetricsFile(work.resolve("metrics.jsonl"))) {
            if (backend == null) {
                r = DpoTrainer.train(policy, reference, pairs, options, work, metrics, progress);
            } else {
                ReferenceLogps ref = ReferenceLogps.cached(reference, pairs, options.training().batchSize(), work.resolve(ReferenceLogps.FILE),
                        Progress.onStderr("reference log-probs", pairs.size()), backend);
                r = DeviceDpoTrainer.train(policy, ref, options.needsReferenceModel() ? reference : null, pairs, options, work, metrics, progress, backend);
            }
        }
        ModelOutput.save(r.model(), dir.resolve("model"), tokenizerDir, null);
        copyIfPresent(work.resolve("metrics.jsonl"), dir.resolve("metrics.jsonl"));
        copyIfPresent(work.resolve(DpoTrainer.PAIRS_FILE), dir.resolve(DpoTrainer.PAIRS_FILE));
        Map<String, Object> summary = new LinkedHashMap<>(facts);
        summary.put("steps", r.summary().steps());
        summary.put("train_loss", r.summary().trainLoss());
        summary.put("last_metrics", r.summary().lastMetrics());
        summary.put("seconds", r.summary().seconds());
        s.complete(summary);
    }

    // ---- summary ----

    private ObjectNode summary() {
        ObjectNode o = JSON.createObjectNode();
        o.put("run", run.root().toString());
        ArrayNode stages = o.putArray("stages");
        for (String name : run.completedStages()) {
            ObjectNode st = stages.addObject();
            st.put("stage", name);
            st.set("summary", run.stage(name).summary());
        }
        o.put("final_model", run.stage(config.iterations() == 0 ? "it0-seed-dpo" : "it" + config.iterations() + "-train").dir().resolve("model").toString());
        return o;
    }

    private void printTable(ObjectNode summary) {
        log.println();
        log.printf("%-14s %7s %7s %10s %10s %10s%n", "stage", "pairs", "steps", "loss", "accuracy", "p(chosen)");
        for (JsonNode st : summary.get("stages")) {
            JsonNode s = st.get("summary");
            JsonNode last = s.path("last_metrics");
            log.printf("%-14s %7s %7s %10s %10s %10s%n", st.get("stage").asText(), s.path("pairs").asText("-"), s.path("steps").asText("-"),
                    number(s.path("train_loss")), number(last.path("rewards/accuracies")), number(s.path("mean_probability")));
        }
        log.println("final model: " + summary.get("final_model").asText());
    }

    private static String number(JsonNode n) {
        return n.isNumber() ? String.format(java.util.Locale.ROOT, "%.4f", n.asDouble()) : "-";
    }

    // ---- helpers ----

    private String text(Text prompt, int[] ids) {
        return switch (prompt) {
            case Text.Plain p -> p.text();
            case Text.Chat c -> tokenizer.decode(ids, false);
            case Text.Ids x -> tokenizer.decode(ids, false);
        };
    }

    private static void putIds(ArrayNode a, int[] ids) {
        for (int id : ids) a.add(id);
    }

    private static void write(Path file, String content) {
        try {
            AtomicFiles.writeString(file, content);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": " + e.getMessage(), e);
        }
    }

    private static void copyIfPresent(Path from, Path to) {
        try {
            if (Files.isRegularFile(from)) Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(to + ": " + e.getMessage(), e);
        }
    }
}
