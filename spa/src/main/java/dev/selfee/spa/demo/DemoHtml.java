package dev.selfee.spa.demo;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The report as one self-contained HTML page (no scripts, no external files): per judge, the win
 * rate against SFT per iteration for every iterative method with seed DPO at iteration 0, the mean
 * response length, and the self-label accuracy per iteration; then the tables.
 */
final class DemoHtml {
    private DemoHtml() {}

    static String render(DemoReport report, String table) {
        StringBuilder sb = new StringBuilder("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>selfee demo: the gold-oracle benchmark</title>")
                .append("<style>body{font-family:sans-serif;margin:2em;max-width:1200px}pre{background:#f6f6f6;padding:1em;overflow-x:auto}")
                .append("figure{display:inline-block;margin:0.5em}table{border-collapse:collapse;margin:0.5em 0}")
                .append("td,th{border:1px solid #ccc;padding:0.2em 0.5em;text-align:right}td:first-child,td:nth-child(2){text-align:left}</style></head><body>")
                .append("<h1>The gold-oracle benchmark</h1>")
                .append("<p>Win rate: the gold judge's verdict on each model's responses to held-out prompts against the SFT model's responses from the same seeds ")
                .append("(ties count half; error bars one standard error). Iteration 0 of every iterative method is the seed-DPO model it starts from. ")
                .append("Label accuracy: the share of SPA's own pairs (or the seed-trained reward model's) whose chosen response the gold judge also prefers.</p>");
        Set<String> judges = new LinkedHashSet<>();
        for (Map<String, Object> r : report.rows()) judges.add((String) r.get("judge"));
        for (String judge : judges) {
            sb.append("<h2>Judge: ").append(LineChart.esc(judge)).append("</h2>");
            sb.append(figure(chart(report, judge, "win_rate", "win_rate_se", "win rate against SFT (" + judge + " judge)", "gold win rate vs SFT")));
            sb.append(figure(chart(report, judge, "mean_length", null, "mean response length (" + judge + " judge)", "characters")));
            sb.append(figure(selfLabels(report, judge)));
            sb.append(figure(margins(report, judge)));
        }
        sb.append("<h2>Win rate against SFT</h2>").append(htmlTable(report.rows(), List.of("judge", "method", "iteration", "gold_labels_fraction",
                "win_rate", "win_rate_se", "win_rate_greedy", "accuracy", "exact", "verbose", "mean_length")));
        sb.append("<h2>Self-labels against gold</h2>").append(htmlTable(report.iterations(), List.of("judge", "method", "iteration", "pairs",
                "judge_accuracy", "judge_accuracy_by_kind", "flagged_fraction", "error_flagged", "error_unflagged")));
        sb.append("<h2>As printed</h2><pre>").append(LineChart.esc(table)).append("</pre></body></html>\n");
        return sb.toString();
    }

    /** Rows as an HTML table with the given columns; numbers to 3 decimals, nested maps as key=value. */
    private static String htmlTable(List<Map<String, Object>> rows, List<String> columns) {
        StringBuilder t = new StringBuilder("<table><thead><tr>");
        for (String c : columns) t.append("<th>").append(LineChart.esc(c)).append("</th>");
        t.append("</tr></thead><tbody>");
        for (Map<String, Object> r : rows) {
            t.append("<tr>");
            for (String c : columns) t.append("<td>").append(LineChart.esc(cell(r.get(c)))).append("</td>");
            t.append("</tr>");
        }
        return t.append("</tbody></table>").toString();
    }

    private static String cell(Object v) {
        if (v == null) return "–";
        if (v instanceof Double || v instanceof Float) return String.format(java.util.Locale.ROOT, "%.3f", ((Number) v).doubleValue());
        if (v instanceof Map<?, ?> m) {
            StringBuilder sb = new StringBuilder();
            m.forEach((k, x) -> sb.append(sb.isEmpty() ? "" : " ").append(k).append('=').append(cell(x)));
            return sb.toString();
        }
        return v.toString();
    }

    private static String figure(String svg) {
        return "<figure>" + svg + "</figure>";
    }

    private static String chart(DemoReport report, String judge, String field, String errorField, String title, String yLabel) {
        LineChart c = new LineChart(title, "iteration", yLabel).colourOrder(METHOD_COLOURS);
        Map<String, Object> seed = null, sft = null;
        for (Map<String, Object> r : report.rows()) {
            if (!r.get("judge").equals(judge)) continue;
            if (r.get("method").equals(DemoMethod.SEED_DPO.id)) seed = r;
            if (r.get("method").equals(DemoMethod.SFT.id)) sft = r;
        }
        int its = 0;
        for (Map<String, Object> r : report.rows()) its = Math.max(its, (int) r.get("iteration"));
        if (sft != null) c.add(flat("sft", sft, field, its));
        if (seed != null) c.add(flat("seed-dpo", seed, field, its));
        for (DemoMethod m : DemoMethod.values()) {
            if (!m.iterative) continue;
            List<Double> y = new ArrayList<>(), e = new ArrayList<>();
            y.add(seed == null ? null : num(seed.get(field)));
            e.add(seed == null || errorField == null ? null : num(seed.get(errorField)));
            boolean any = false;
            for (Map<String, Object> r : report.rows()) {
                if (!r.get("judge").equals(judge) || !r.get("method").equals(m.id)) continue;
                y.add(num(r.get(field)));
                e.add(errorField == null ? null : num(r.get(errorField)));
                any = true;
            }
            if (any) c.add(new LineChart.Series(m.id, y, errorField == null ? null : e, false));
        }
        return c.svg();
    }

    /** A baseline drawn flat across the iterations. */
    private static LineChart.Series flat(String name, Map<String, Object> row, String field, int its) {
        List<Double> y = new ArrayList<>();
        for (int i = 0; i <= its; i++) y.add(num(row.get(field)));
        return new LineChart.Series(name, y, null, true);
    }

    private static String selfLabels(DemoReport report, String judge) {
        LineChart c = new LineChart("label accuracy against gold (" + judge + " judge)", "iteration", "accuracy").colourOrder(METHOD_COLOURS);
        for (DemoMethod m : DemoMethod.values()) {
            if (!m.audited()) continue;
            List<Double> y = new ArrayList<>();
            y.add(null); // iteration 0 has no self-labels
            for (Map<String, Object> r : report.iterations()) {
                if (r.get("judge").equals(judge) && r.get("method").equals(m.id)) y.add(num(r.get("judge_accuracy")));
            }
            if (y.stream().anyMatch(Objects::nonNull)) c.add(new LineChart.Series(m.id, y, null, false));
        }
        return c.svg();
    }

    /** Each iterative method's per-step reward margin, its iterations one after another. */
    @SuppressWarnings("unchecked")
    private static String margins(DemoReport report, String judge) {
        LineChart c = new LineChart("reward margin during training (" + judge + " judge)", "optimiser step (iterations in turn)", "rewards/margins").colourOrder(METHOD_COLOURS);
        for (DemoMethod m : DemoMethod.values()) {
            List<Double> y = new ArrayList<>();
            for (Map<String, Object> r : report.training()) {
                if (r.get("judge").equals(judge) && r.get("method").equals(m.id)) y.addAll((List<Double>) r.get("reward_margins"));
            }
            if (!y.isEmpty()) c.add(new LineChart.Series(m.id, y, null, false));
        }
        return c.svg();
    }

    /** Every method's colour slot, the same in every chart (the baselines are named by their method ids). */
    private static final List<String> METHOD_COLOURS = Arrays.stream(DemoMethod.values()).map(m -> m.id).toList();

    private static Double num(Object o) {
        return o == null ? null : ((Number) o).doubleValue();
    }

}
