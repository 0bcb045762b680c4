package dev.selfee.spa.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.selfee.engine.io.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The benchmark's result: one row per judge, method and iteration (win rate against SFT, accuracy,
 * length), one self-label audit per SPA iteration, the configuration and the wall time; written as
 * {@code report.json} and printed as a table.
 */
public final class DemoReport {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final List<Map<String, Object>> rows = new ArrayList<>();
    private final List<Map<String, Object>> iterations = new ArrayList<>();
    private final List<Map<String, Object>> training = new ArrayList<>();
    private final Map<String, Object> config = new LinkedHashMap<>();
    private double seconds, sftSeconds;

    DemoReport(DemoConfig c, long seed, int threads) {
        config.put("preset", c.name());
        config.put("seed", seed);
        config.put("threads", threads);
        config.put("sizes", c);
        config.put("beta", DemoHyperparameters.BETA);
        config.put("samples_per_prompt", DemoHyperparameters.SAMPLES_PER_PROMPT);
        config.put("sample_temperature", DemoHyperparameters.SAMPLE_TEMPERATURE);
        config.put("eval_temperature", DemoHyperparameters.EVAL_TEMPERATURE);
        config.put("spa_alpha", DemoHyperparameters.SPA_ALPHA);
    }

    void addRow(String judge, DemoMethod method, int iteration, double goldLabelsFraction, EvalRow e) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("judge", judge);
        r.put("method", method.id);
        r.put("iteration", iteration);
        r.put("gold_labels_fraction", goldLabelsFraction);
        r.put("win_rate", e.winRate());
        r.put("win_rate_se", e.winRateSe());
        r.put("comparisons", e.comparisons());
        r.put("win_rate_greedy", e.winRateGreedy());
        r.put("accuracy", e.accuracy());
        r.put("exact", e.exact());
        r.put("verbose", e.verbose());
        r.put("mean_length", e.meanLength());
        rows.add(r);
    }

    void addIteration(String judge, DemoMethod method, int iteration, JsonNode stageSummary) {
        JsonNode a = stageSummary.get("audit");
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("judge", judge);
        r.put("method", method.id);
        r.put("iteration", iteration);
        r.put("pairs", a.get("pairs").asInt());
        r.put("gold_ties", a.get("goldTies").asInt());
        r.put("judge_accuracy", number(a.get("accuracy")));
        r.put("judge_accuracy_by_kind", JSON.convertValue(a.get("accuracyByKind"), Map.class));
        r.put("pairs_by_kind", JSON.convertValue(a.get("pairsByKind"), Map.class));
        r.put("flagged_fraction", number(a.get("flaggedFraction")));
        r.put("error_flagged", number(a.get("errorFlagged")));
        r.put("error_unflagged", number(a.get("errorUnflagged")));
        iterations.add(r);
    }

    /** What SFT made: the model's parameter count and mean training loss; its seconds (of the run that trained it) go with the times. */
    void sft(long parameters, double trainLoss, double seconds) {
        Map<String, Object> sft = new LinkedHashMap<>(); // insertion order: the JSON reads the same every run
        sft.put("parameters", parameters);
        sft.put("train_loss", trainLoss);
        config.put("sft", sft);
        sftSeconds = seconds;
    }

    /** One DPO run's per-step reward margins (TRL's {@code rewards/margins}). */
    void addTraining(String judge, DemoMethod method, int iteration, List<Double> margins) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("judge", judge);
        r.put("method", method.id);
        r.put("iteration", iteration);
        r.put("reward_margins", margins);
        training.add(r);
    }

    public List<Map<String, Object>> training() {
        return training;
    }

    /** NaN (nothing to measure) becomes JSON null. */
    private static Double number(JsonNode n) {
        if (n == null || n.isNull()) return null;
        double v = n.asDouble(Double.NaN);
        return Double.isNaN(v) ? null : v;
    }

    void seconds(double s) {
        seconds = s;
    }

    public List<Map<String, Object>> rows() {
        return rows;
    }

    public List<Map<String, Object>> iterations() {
        return iterations;
    }

    /** The report as JSON; the times ({@code seconds}, {@code sft_seconds}) are left out when {@code withTime} is false, so two runs can be compared. */
    public String json(boolean withTime) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("rows", rows);
        root.put("iterations", iterations);
        root.put("training", training);
        root.put("config", config);
        if (withTime) {
            root.put("seconds", seconds);
            root.put("sft_seconds", sftSeconds);
        }
        try {
            return JSON.writeValueAsString(root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes {@code report.json} and {@code report.html} into {@code dir}, each atomically. */
    public void write(Path dir) {
        try {
            AtomicFiles.writeString(dir.resolve("report.json"), json(true));
            AtomicFiles.writeString(dir.resolve("report.html"), DemoHtml.render(this, table()));
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": " + e.getMessage(), e);
        }
    }

    /** The rows and the self-label audits as fixed-width text tables. */
    public String table() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%-12s %-20s %3s %7s %14s %7s %6s %6s %6s%n", "judge", "method", "it", "labels", "win rate ± se", "greedy",
                "acc", "exact", "len"));
        for (Map<String, Object> r : rows) {
            sb.append(String.format(Locale.ROOT, "%-12s %-20s %3d %6.1f%% %7.3f ± %.3f %7.3f %6.3f %6.3f %6.2f%n", r.get("judge"), r.get("method"),
                    (int) r.get("iteration"), 100 * (double) r.get("gold_labels_fraction"), (double) r.get("win_rate"), (double) r.get("win_rate_se"),
                    (double) r.get("win_rate_greedy"), (double) r.get("accuracy"), (double) r.get("exact"), (double) r.get("mean_length")));
        }
        if (!iterations.isEmpty()) {
            sb.append(String.format(Locale.ROOT, "%nlabels against gold (SPA: its own; external-dpo: the seed-trained reward model)%n%-12s %-20s %3s %6s %9s %-40s %8s %8s %8s%n", "judge", "method", "it", "pairs",
                    "accuracy", "accuracy by what decided gold", "flagged", "err flag", "err conf"));
            for (Map<String, Object> r : iterations) {
                StringBuilder kinds = new StringBuilder();
                @SuppressWarnings("unchecked") Map<String, Object> by = (Map<String, Object>) r.get("judge_accuracy_by_kind");
                @SuppressWarnings("unchecked") Map<String, Object> n = (Map<String, Object>) r.get("pairs_by_kind");
                for (var e : by.entrySet()) kinds.append(String.format(Locale.ROOT, "%s %.2f (%s) ", e.getKey(), ((Number) e.getValue()).doubleValue(), n.get(e.getKey())));
                sb.append(String.format(Locale.ROOT, "%-12s %-20s %3d %6d %9s %-40s %8s %8s %8s%n", r.get("judge"), r.get("method"), (int) r.get("iteration"),
                        (int) r.get("pairs"), fmt(r.get("judge_accuracy")), kinds.toString().strip(), fmt(r.get("flagged_fraction")), fmt(r.get("error_flagged")),
                        fmt(r.get("error_unflagged"))));
            }
        }
        return sb.toString();
    }

    private static String fmt(Object v) {
        return v == null ? "-" : String.format(Locale.ROOT, "%.3f", ((Number) v).doubleValue());
    }
}
