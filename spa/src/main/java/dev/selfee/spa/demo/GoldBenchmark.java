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
import dev.selfee.spa.loop.SpaConfig;
import dev.selfee.spa.loop.SpaLoop;
import dev.selfee.spa.run.RunDirectory;
import dev.selfee.spa.train.DpoOptions;
import dev.selfee.spa.train.DpoTrainer;
import dev.selfee.spa.train.MetricsFile;
import dev.selfee.spa.train.ModelOutput;
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
 * SFT, the SFT model's evaluation responses and seed samples, the SPA loop's inputs (SFT model,
 * pool, each judge's gold-labelled seed); then per judge one {@link SpaLoop} run per SPA variant
 * (in {@code spa-runs/}; its seed DPO is the seed-DPO row and the start of the gold-DPO
 * iterations), the gold-DPO iterations, and an evaluation stage per model, which also audits the
 * SPA loop's self-labels against the gold judge. A completed stage keeps its results in its
 * summary, so a rerun continues where the last one stopped and reaches the same report.
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

    /** Runs (or resumes) every stage for {@code judges} and returns the report; {@code methods} must include SPA, whose seed DPO is every row's π₀. */
    public DemoReport run(List<GoldJudge> judges, List<DemoMethod> methods) {
        if (!methods.contains(DemoMethod.SPA)) throw new IllegalArgumentException("the benchmark's rows start from SPA's seed DPO, so SPA must be run");
        long start = System.nanoTime();
        checkSameRun();
        tokenizer = tokenizerStage();
        LlamaModel sft = sftStage();
        sftEval = sftEvalStage(sft);
        RunDirectory.Stage inputs = inputsStage(seedSamplesStage(sft));
        DemoReport report = new DemoReport(config, seed, Parallel.threads());
        JsonNode sftSummary = run.stage("sft").summary();
        report.sft(sftSummary.get("parameters").asLong(), sftSummary.get("train_loss").asDouble(), sftSummary.get("seconds").asDouble());
        double labelable = config.poolSize() + config.seedPrompts(); // prompts whose pairs could be labelled
        for (GoldJudge judge : judges) {
            String j = name(judge);
            report.addRow(j, DemoMethod.SFT, 0, 0, EvalRow.of(judge, data.testPrompts(), sftEval, sftEval));
            Path seedData = inputs.dir().resolve("seed-" + j + ".jsonl");
            double seedLabels = inputs.summary().get("seed_pairs").get(j).asDouble();
            Map<DemoMethod, Path> loops = new LinkedHashMap<>();
            for (DemoMethod m : methods) {
                if (m.selfLabelled()) loops.put(m, spaLoop(m, inputs, seedData, j));
            }
            Path pi0 = loops.get(DemoMethod.SPA).resolve("it0-seed-dpo").resolve(MODEL);
            RunDirectory.Stage seedStage = evalStage(judge, j + "-seed-dpo", pi0, null);
            report.addRow(j, DemoMethod.SEED_DPO, 0, seedLabels / labelable, evalOf(seedStage));
            for (DemoMethod m : methods) {
                if (!m.iterative) continue;
                double labels = seedLabels;
                Path previous = pi0;
                for (int it = 1; it <= config.iterations(); it++) {
                    RunDirectory.Stage s;
                    if (m == DemoMethod.GOLD_DPO || m == DemoMethod.EXTERNAL_DPO) {
                        s = labelledIterationStage(judge, j, m, it, previous, seedData);
                        report.addTraining(j, m, it, margins(s.dir().resolve("metrics.jsonl")));
                        if (m == DemoMethod.GOLD_DPO) labels += s.summary().get("labelled_pairs").asDouble();
                        else report.addIteration(j, m, it, s.summary());
                        previous = s.dir().resolve(MODEL);
                    } else {
                        Path loop = loops.get(m);
                        s = evalStage(judge, j + "-" + m.id + "-it" + it, loop.resolve("it" + it + "-train").resolve(MODEL), loop.resolve("it" + it + "-judge"));
                        report.addIteration(j, m, it, s.summary());
                        report.addTraining(j, m, it, margins(loop.resolve("it" + it + "-train").resolve("metrics.jsonl")));
                    }
                    report.addRow(j, m, it, labels / labelable, evalOf(s));
                }
            }
        }
        report.seconds((System.nanoTime() - start) / 1e9);
        return report;
    }

    private static String name(GoldJudge judge) {
        return judge.name().toLowerCase(java.util.Locale.ROOT);
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

    /** What the SPA loop reads: the SFT model with its tokenizer, the pool, and each judge's gold-labelled seed, as JSONL. */
    private RunDirectory.Stage inputsStage(List<List<String>> seedSamples) {
        RunDirectory.Stage s = run.stage("inputs");
        if (!s.isComplete()) {
            Path dir = s.begin();
            ModelOutput.save(load(run.stage("sft").dir()), dir.resolve("sft-model"), run.stage("tokenizer").dir(), null);
            StringBuilder pool = new StringBuilder();
            for (List<GoldPrompt> ps : data.pools()) for (GoldPrompt p : ps) pool.append(JSON.createObjectNode().put("prompt", DemoTokenizer.promptText(p.prompt()))).append('\n');
            writeText(dir.resolve("pool.jsonl"), pool.toString());
            Map<String, Integer> counts = new LinkedHashMap<>();
            for (GoldJudge judge : GoldJudge.values()) {
                List<GoldPairs.Labelled> pairs = GoldPairs.label(judge, data.seedPrompts(), seedSamples);
                if (pairs.isEmpty()) throw new IllegalStateException("the seed has no labelled pairs: every seed prompt's two SFT samples were identical or tied");
                StringBuilder jsonl = new StringBuilder();
                for (GoldPairs.Labelled p : pairs) {
                    jsonl.append(JSON.createObjectNode().put("prompt", DemoTokenizer.promptText(p.prompt().prompt())).put("chosen", p.chosen()).put("rejected", p.rejected()))
                            .append('\n');
                }
                writeText(dir.resolve("seed-" + name(judge) + ".jsonl"), jsonl.toString());
                counts.put(name(judge), pairs.size());
            }
            s.complete(Map.of("seed_pairs", counts));
        }
        return s;
    }

    /** Runs (or resumes) the SPA loop for {@code m}; returns its run folder. */
    private Path spaLoop(DemoMethod m, RunDirectory.Stage inputs, Path seedData, String j) {
        Path dir = run.root().getParent().resolve("spa-runs").resolve(j + "-" + m.id).toAbsolutePath();
        SpaConfig c = SpaConfig.resolve(null, DemoHyperparameters.spaLoop(m, config, seed, inputs.dir().resolve("sft-model").toAbsolutePath(),
                seedData.toAbsolutePath(), inputs.dir().resolve("pool.jsonl").toAbsolutePath()));
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": " + e.getMessage(), e);
        }
        System.err.println("[" + j + " " + m.id + "] SPA loop in " + dir);
        SpaLoop.start(c, dir, System.err);
        return dir;
    }

    /** Evaluates the model in {@code model}; with {@code judged} (an SPA loop's judge stage) also audits its self-labels. */
    private RunDirectory.Stage evalStage(GoldJudge judge, String name, Path model, Path judged) {
        RunDirectory.Stage s = run.stage(name);
        if (s.isComplete()) return s;
        s.begin();
        Map<String, Object> summary = new LinkedHashMap<>();
        if (judged != null) {
            List<GoldPairs.Labelled> pairs = loopPairs(judged.resolve("pairs.jsonl"));
            summary.put("labelled_pairs", pairs.size());
            Path train = judged.resolveSibling(judged.getFileName().toString().replace("-judge", "-train"));
            summary.put("audit", SelfLabelAudit.of(judge, pairs, train.resolve(DpoTrainer.PAIRS_FILE)));
        }
        summary.put("eval", evaluate(judge, LlamaCheckpoint.load(model), name.replace('-', ' ')));
        s.complete(summary);
        return s;
    }

    /** The per-step {@code rewards/margins} of a trainer's metrics file (none when it did not train). */
    private static List<Double> margins(Path metrics) {
        List<Double> out = new ArrayList<>();
        if (!Files.isRegularFile(metrics)) return out;
        try {
            for (String line : Files.readAllLines(metrics)) {
                JsonNode m = line.isBlank() ? null : JSON.readTree(line).get("rewards/margins");
                if (m != null && m.isNumber()) out.add(m.asDouble());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(metrics + ": " + e.getMessage(), e);
        }
        return out;
    }

    /** The pairs an SPA loop labelled, in training order. */
    private static List<GoldPairs.Labelled> loopPairs(Path file) {
        List<GoldPairs.Labelled> out = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(file)) {
                if (line.isBlank()) continue;
                JsonNode o = JSON.readTree(line);
                out.add(new GoldPairs.Labelled(GoldPrompt.parse(o.get("prompt").asText().strip()), o.get("chosen").asText(), o.get("rejected").asText(), null));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": " + e.getMessage(), e);
        }
        return out;
    }

    /**
     * One iteration of DPO on labels from outside the policy: the previous model samples two
     * responses per pool prompt, and the gold judge or the reward model trained on the seed labels them.
     */
    private RunDirectory.Stage labelledIterationStage(GoldJudge judge, String j, DemoMethod m, int it, Path previousModel, Path seedData) {
        RunDirectory.Stage s = run.stage(j + "-" + m.id + "-it" + it);
        if (s.isComplete()) return s;
        Path dir = s.begin();
        String label = j + " " + m.id + " it" + it;
        LlamaModel previous = LlamaCheckpoint.load(previousModel), policy = LlamaCheckpoint.load(previousModel);
        List<GoldPrompt> pool = data.pools().get(it - 1);
        List<List<String>> samples = ResponseSampler.sample(previous, tokenizer, prompts(pool), DemoHyperparameters.SAMPLES_PER_PROMPT,
                DemoHyperparameters.SAMPLE_TEMPERATURE, s.seed(seed), config.maxNewTokens(), label + " samples");
        List<GoldPairs.Labelled> pairs = m == DemoMethod.GOLD_DPO ? GoldPairs.label(judge, pool, samples) : seedRewardModel(seedData).label(tokenizer, pool, samples);
        if (!pairs.isEmpty()) train(policy, previous, GoldPairs.tokenize(pairs, tokenizer), DemoHyperparameters.iterationDpo(s.seed(seed)), dir, label);
        save(policy, dir);
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("labelled_pairs", pairs.size());
        if (m.audited()) summary.put("audit", SelfLabelAudit.of(judge, pairs, null));
        summary.put("eval", evaluate(judge, policy, label));
        s.complete(summary);
        return s;
    }

    /** The external judge: a reward model trained on the judge's seed pairs alone. */
    private SeedRewardModel seedRewardModel(Path seedData) {
        List<int[]> chosen = new ArrayList<>(), rejected = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(seedData)) {
                if (line.isBlank()) continue;
                JsonNode o = JSON.readTree(line);
                chosen.add(tokenizer.completion(o.get("chosen").asText()));
                rejected.add(tokenizer.completion(o.get("rejected").asText()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(seedData + ": " + e.getMessage(), e);
        }
        return SeedRewardModel.train(chosen, rejected, tokenizer.vocabSize());
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

    private static void writeText(Path f, String text) {
        try {
            dev.selfee.engine.io.AtomicFiles.writeString(f, text);
        } catch (IOException e) {
            throw new UncheckedIOException(f + ": " + e.getMessage(), e);
        }
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
