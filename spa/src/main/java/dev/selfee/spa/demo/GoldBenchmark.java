package dev.selfee.spa.demo;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.selfee.engine.Parallel;
import dev.selfee.engine.io.LlamaConfig;
import dev.selfee.engine.model.LlamaCheckpoint;
import dev.selfee.engine.model.LlamaModel;
import dev.selfee.spa.Progress;
import dev.selfee.spa.gold.GoldJudge;
import dev.selfee.spa.gold.GoldPrompt;
import dev.selfee.spa.judge.ImplicitRewardJudge;
import dev.selfee.spa.judge.JudgedPair;
import dev.selfee.spa.judge.JudgingReference;
import dev.selfee.spa.judge.PairSelection;
import dev.selfee.spa.loss.PreferenceLoss;
import dev.selfee.spa.run.RunDirectory;
import dev.selfee.spa.train.DpoOptions;
import dev.selfee.spa.train.DpoTrainer;
import dev.selfee.spa.train.MetricsFile;
import dev.selfee.spa.train.SftTrainer;
import dev.selfee.spa.train.TokenizedExample;
import dev.selfee.spa.train.TokenizedPair;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The gold-oracle benchmark end to end, as resumable stages of a {@link RunDirectory}: tokenizer,
 * SFT, the SFT model's evaluation responses and seed samples, then per judge the seed-DPO model and
 * each iterative method's iterations, every model evaluated against the SFT model by the gold
 * judge. A completed stage keeps its model and its results in its summary, so a rerun continues
 * where the last one stopped and reaches the same report.
 */
public final class GoldBenchmark {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String MODEL = "model";

    private final DemoConfig config;
    private final long seed;
    private final RunDirectory run;
    private final DemoData data;
    private DemoTokenizer tokenizer;
    private EvalResponses sftEval;

    public GoldBenchmark(DemoConfig config, long seed, Path out) {
        this.config = config;
        this.seed = seed;
        this.run = new RunDirectory(out.resolve("stages"));
        this.data = DemoData.generate(config, seed);
    }

    /** Runs (or resumes) every stage for {@code judges} and returns the report. */
    public DemoReport run(List<GoldJudge> judges, List<DemoMethod> methods) {
        long start = System.nanoTime();
        checkSameRun();
        tokenizer = tokenizerStage();
        LlamaModel sft = sftStage();
        sftEval = sftEvalStage(sft);
        List<List<String>> seedSamples = seedSamplesStage(sft);
        DemoReport report = new DemoReport(config, seed, Parallel.threads());
        double labelable = config.poolSize() + config.seedPrompts(); // prompts whose pairs could be labelled
        for (GoldJudge judge : judges) {
            String j = judge.name().toLowerCase(java.util.Locale.ROOT);
            report.addRow(j, DemoMethod.SFT, 0, 0, EvalRow.of(judge, data.testPrompts(), sftEval, sftEval));
            RunDirectory.Stage seedStage = seedDpoStage(judge, j, sft, seedSamples);
            double seedLabels = seedStage.summary().get("labelled_pairs").asDouble();
            report.addRow(j, DemoMethod.SEED_DPO, 0, seedLabels / labelable, evalOf(seedStage));
            for (DemoMethod m : methods) {
                if (!m.iterative) continue;
                double labels = seedLabels;
                Path previous = seedStage.dir().resolve(MODEL);
                for (int it = 1; it <= config.iterations(); it++) {
                    RunDirectory.Stage s = iterationStage(judge, j, m, it, previous, sft);
                    if (m == DemoMethod.GOLD_DPO) labels += s.summary().get("labelled_pairs").asDouble();
                    report.addRow(j, m, it, labels / labelable, evalOf(s));
                    if (m.selfLabelled()) report.addIteration(j, m, it, s.summary());
                    previous = s.dir().resolve(MODEL);
                }
            }
        }
        report.seconds((System.nanoTime() - start) / 1e9);
        return report;
    }

    /** A run directory belongs to one preset and seed: resuming with others would mix results. */
    private void checkSameRun() {
        Path f = run.root().resolve("run.json");
        Map<String, Object> id = Map.of("config", config.name(), "seed", seed);
        try {
            Files.createDirectories(run.root());
            if (Files.isRegularFile(f)) {
                Map<String, Object> had = JSON.readValue(f.toFile(), new TypeReference<Map<String, Object>>() {});
                if (!had.get("config").equals(config.name()) || ((Number) had.get("seed")).longValue() != seed) {
                    throw new IllegalArgumentException(run.root().getParent() + " holds a run of config " + had.get("config") + " with seed " + had.get("seed")
                            + "; use another --out to run config " + config.name() + " with seed " + seed);
                }
            } else {
                dev.selfee.engine.io.AtomicFiles.writeString(f, JSON.writeValueAsString(id));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(f + ": " + e.getMessage(), e);
        }
    }

    private DemoTokenizer tokenizerStage() {
        RunDirectory.Stage s = run.stage("tokenizer");
        if (!s.isComplete()) {
            DemoTokenizer t = DemoTokenizer.train(data, config.vocabSize(), s.begin());
            s.complete(Map.of("vocab_size", t.vocabSize()));
        }
        return DemoTokenizer.load(s.dir());
    }

    private LlamaModel sftStage() {
        RunDirectory.Stage s = run.stage("sft");
        if (!s.isComplete()) {
            Path dir = s.begin();
            LlamaConfig c = LlamaConfig.llama(tokenizer.vocabSize(), config.hidden(), config.layers(), config.heads(), config.kvHeads(), config.ffn(),
                    tokenizer.eos(), tokenizer.eos(), tokenizer.pad());
            LlamaModel model = LlamaModel.random(c, s.seed(seed));
            List<TokenizedExample> examples = new ArrayList<>();
            for (int i = 0; i < data.demoPrompts().size(); i++) {
                examples.add(new TokenizedExample(i, tokenizer.prompt(data.demoPrompts().get(i).prompt()), tokenizer.completion(data.demoCompletions().get(i))));
            }
            var o = DemoHyperparameters.sft(config, s.seed(seed));
            var plan = new dev.selfee.spa.train.TrainingPlan(examples.size(), o);
            SftTrainer.Result r;
            try (MetricsFile metrics = new MetricsFile(dir.resolve("metrics.jsonl"))) {
                r = SftTrainer.train(model, examples, o, dir, metrics, Progress.onStderr("sft", plan.totalSteps()));
            }
            save(model, dir);
            s.complete(Map.of("parameters", parameterCount(model), "train_loss", r.summary().trainLoss(), "seconds", r.summary().seconds()));
        }
        return load(s.dir());
    }

    private EvalResponses sftEvalStage(LlamaModel sft) {
        RunDirectory.Stage s = run.stage("sft-eval");
        if (!s.isComplete()) {
            Path dir = s.begin();
            EvalResponses r = EvalResponses.of(sft, tokenizer, prompts(data.testPrompts()), config.evalSeeds(), seed ^ 0xe7a1L, config.maxNewTokens(), "sft");
            writeJson(dir.resolve("responses.json"), r);
            s.complete(Map.of("prompts", data.testPrompts().size()));
        }
        return readJson(s.dir().resolve("responses.json"), EvalResponses.class);
    }

    private List<List<String>> seedSamplesStage(LlamaModel sft) {
        RunDirectory.Stage s = run.stage("seed-samples");
        if (!s.isComplete()) {
            Path dir = s.begin();
            List<List<String>> samples = ResponseSampler.sample(sft, tokenizer, prompts(data.seedPrompts()), DemoHyperparameters.SAMPLES_PER_PROMPT,
                    DemoHyperparameters.SAMPLE_TEMPERATURE, s.seed(seed), config.maxNewTokens(), "seed samples");
            writeJson(dir.resolve("samples.json"), samples);
            s.complete(Map.of("prompts", samples.size()));
        }
        return readJson(s.dir().resolve("samples.json"), new TypeReference<List<List<String>>>() {});
    }

    private RunDirectory.Stage seedDpoStage(GoldJudge judge, String j, LlamaModel sft, List<List<String>> samples) {
        RunDirectory.Stage s = run.stage(j + "-seed-dpo");
        if (!s.isComplete()) {
            Path dir = s.begin();
            List<GoldPairs.Labelled> pairs = GoldPairs.label(judge, data.seedPrompts(), samples);
            if (pairs.isEmpty()) throw new IllegalStateException("the seed has no labelled pairs: every seed prompt's two SFT samples were identical or tied");
            LlamaModel policy = load(run.stage("sft").dir());
            train(policy, sft, GoldPairs.tokenize(pairs, tokenizer), DemoHyperparameters.seedDpo(s.seed(seed)), dir, j + " seed-dpo");
            save(policy, dir);
            Map<String, Object> summary = new LinkedHashMap<>();
            summary.put("labelled_pairs", pairs.size());
            summary.put("eval", evaluate(judge, policy, j + " seed-dpo"));
            s.complete(summary);
        }
        return s;
    }

    private RunDirectory.Stage iterationStage(GoldJudge judge, String j, DemoMethod m, int it, Path previousModel, LlamaModel sft) {
        RunDirectory.Stage s = run.stage(j + "-" + m.id + "-it" + it);
        if (s.isComplete()) return s;
        Path dir = s.begin();
        String label = j + " " + m.id + " it" + it;
        LlamaModel previous = load(previousModel), policy = load(previousModel);
        List<GoldPrompt> pool = data.pools().get(it - 1);
        List<List<String>> samples = ResponseSampler.sample(previous, tokenizer, prompts(pool), DemoHyperparameters.SAMPLES_PER_PROMPT,
                DemoHyperparameters.SAMPLE_TEMPERATURE, s.seed(seed), config.maxNewTokens(), label + " samples");
        List<GoldPairs.Labelled> pairs = m.selfLabelled() ? selfLabel(previous, m.judgingReference() == JudgingReference.NONE ? null : sft, pool, samples, s.seed(seed))
                : GoldPairs.label(judge, pool, samples);
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("labelled_pairs", pairs.size());
        if (!pairs.isEmpty()) {
            DpoOptions o = DemoHyperparameters.iterationDpo(s.seed(seed));
            if (m.selfLabelled()) o = o.withLoss(PreferenceLoss.Type.SPA).withSpa(m.alpha(), DemoHyperparameters.SPA_WARMUP, m.lambda(it));
            train(policy, previous, GoldPairs.tokenize(pairs, tokenizer), o, dir, label);
        }
        save(policy, dir);
        if (m.selfLabelled()) {
            SelfLabelAudit a = SelfLabelAudit.of(judge, pairs, dir.resolve(DpoTrainer.PAIRS_FILE));
            summary.put("audit", a);
        }
        summary.put("eval", evaluate(judge, policy, label));
        s.complete(summary);
        return s;
    }

    /** SPA's direct preference judgment: the implicit reward against {@code reference} (null: none) picks chosen and rejected. */
    private List<GoldPairs.Labelled> selfLabel(LlamaModel policy, LlamaModel reference, List<GoldPrompt> pool, List<List<String>> samples, long judgeSeed) {
        List<int[]> promptIds = new ArrayList<>();
        List<List<int[]>> responses = new ArrayList<>();
        for (int i = 0; i < pool.size(); i++) {
            promptIds.add(tokenizer.prompt(pool.get(i).prompt()));
            List<int[]> r = new ArrayList<>();
            for (String t : samples.get(i)) r.add(tokenizer.completion(t));
            responses.add(r);
        }
        ImplicitRewardJudge judge = new ImplicitRewardJudge(policy, reference, PairSelection.MIN_MAX, DemoHyperparameters.BETA, 64);
        List<GoldPairs.Labelled> out = new ArrayList<>();
        for (JudgedPair p : judge.judge(promptIds, responses, judgeSeed)) {
            List<String> s = samples.get(p.promptIndex());
            out.add(new GoldPairs.Labelled(pool.get(p.promptIndex()), s.get(p.chosen()), s.get(p.rejected()), null));
        }
        return out;
    }

    private void train(LlamaModel policy, LlamaModel reference, List<TokenizedPair> pairs, DpoOptions o, Path dir, String label) {
        int steps = new dev.selfee.spa.train.TrainingPlan(pairs.size(), o.training()).totalSteps();
        try (MetricsFile metrics = new MetricsFile(dir.resolve("metrics.jsonl"))) {
            DpoTrainer.train(policy, reference, pairs, o, dir, metrics, Progress.onStderr(label + " dpo", steps));
        }
    }

    private EvalRow evaluate(GoldJudge judge, LlamaModel model, String label) {
        EvalResponses r = EvalResponses.of(model, tokenizer, prompts(data.testPrompts()), config.evalSeeds(), seed ^ 0xe7a1L, config.maxNewTokens(), label);
        return EvalRow.of(judge, data.testPrompts(), r, sftEval);
    }

    private static EvalRow evalOf(RunDirectory.Stage s) {
        return JSON.convertValue(s.summary().get("eval"), EvalRow.class);
    }

    private static List<String> prompts(List<GoldPrompt> ps) {
        return ps.stream().map(GoldPrompt::prompt).toList();
    }

    private static long parameterCount(LlamaModel m) {
        long n = 0;
        for (var p : m.parameters().values()) n += p.value().size();
        return n;
    }

    private static void save(LlamaModel model, Path stageDir) {
        try {
            LlamaCheckpoint.save(model, stageDir.resolve(MODEL));
        } catch (IOException e) {
            throw new UncheckedIOException(stageDir + ": " + e.getMessage(), e);
        }
    }

    private static LlamaModel load(Path dir) {
        return LlamaCheckpoint.load(dir.getFileName().toString().equals(MODEL) ? dir : dir.resolve(MODEL));
    }

    private static void writeJson(Path f, Object o) {
        try {
            dev.selfee.engine.io.AtomicFiles.writeString(f, JSON.writeValueAsString(o));
        } catch (IOException e) {
            throw new UncheckedIOException(f + ": " + e.getMessage(), e);
        }
    }

    private static <T> T readJson(Path f, Class<T> type) {
        try {
            return JSON.readValue(f.toFile(), type);
        } catch (IOException e) {
            throw new UncheckedIOException(f + ": " + e.getMessage(), e);
        }
    }

    private static <T> T readJson(Path f, TypeReference<T> type) {
        try {
            return JSON.readValue(f.toFile(), type);
        } catch (IOException e) {
            throw new UncheckedIOException(f + ": " + e.getMessage(), e);
        }
    }
}
