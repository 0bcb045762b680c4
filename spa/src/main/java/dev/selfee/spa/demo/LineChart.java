package dev.selfee.spa.demo;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** A small line chart as inline SVG: one polyline per series over integer x, optional ± error bars, a legend. */
final class LineChart {
    /** One line: y values at x = 0, 1, ...; {@code errors} (may be null) half-heights of the error bars; null y values are skipped; baselines are dashed. */
    record Series(String name, List<Double> y, List<Double> errors, boolean baseline) {}

    private static final String[] COLOURS = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#7f7f7f"};
    private static final int W = 560, H = 300, LEFT = 50, RIGHT = 170, TOP = 30, BOTTOM = 40;

    private final String title, xLabel, yLabel;
    private final List<Series> series = new ArrayList<>();
    private List<String> colourOrder = List.of();

    LineChart(String title, String xLabel, String yLabel) {
        this.title = title;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
    }

    /**
     * Gives a series named {@code names.get(i)} the i-th colour, so that one method keeps its colour
     * across charts; series not named here take the colours after these, in the order added.
     */
    LineChart colourOrder(List<String> names) {
        colourOrder = List.copyOf(names);
        return this;
    }

    LineChart add(Series s) {
        series.add(s);
        return this;
    }

    String svg() {
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        int maxX = 1;
        for (Series s : series) {
            maxX = Math.max(maxX, s.y().size() - 1);
            for (int i = 0; i < s.y().size(); i++) {
                Double v = s.y().get(i);
                if (v == null) continue;
                double e = s.errors() == null || s.errors().get(i) == null ? 0 : s.errors().get(i);
                lo = Math.min(lo, v - e);
                hi = Math.max(hi, v + e);
            }
        }
        if (!(hi > lo)) {
            lo = Double.isFinite(lo) ? lo - 0.5 : 0;
            hi = lo + 1;
        }
        double pad = (hi - lo) * 0.08;
        lo -= pad;
        hi += pad;
        StringBuilder sb = new StringBuilder();
        sb.append(f("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"%s\">", W, H, W, H, esc(title)));
        sb.append(f("<text x=\"%d\" y=\"18\" font-size=\"14\" font-weight=\"bold\">%s</text>", LEFT, esc(title)));
        int pw = W - LEFT - RIGHT, ph = H - TOP - BOTTOM;
        sb.append(f("<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#999\"/>", LEFT, TOP, pw, ph));
        for (int t = 0; t <= 4; t++) {
            double v = lo + (hi - lo) * t / 4;
            double y = TOP + ph - ph * t / 4.0;
            sb.append(f("<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#eee\"/>", LEFT, LEFT + pw, y, y));
            sb.append(f("<text x=\"%d\" y=\"%.1f\" font-size=\"10\" text-anchor=\"end\">%.3f</text>", LEFT - 4, y + 3, v));
        }
        int every = Math.max(1, (int) Math.ceil(maxX / 10.0)); // at most about ten x labels
        for (int x = 0; x <= maxX; x += every) {
            sb.append(f("<text x=\"%.1f\" y=\"%d\" font-size=\"10\" text-anchor=\"middle\">%d</text>", px(x, maxX, pw), TOP + ph + 14, x));
        }
        sb.append(f("<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\">%s</text>", LEFT + pw / 2, H - 8, esc(xLabel)));
        sb.append(f("<text x=\"12\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\" transform=\"rotate(-90 12 %d)\">%s</text>", TOP + ph / 2, TOP + ph / 2, esc(yLabel)));
        int unnamed = colourOrder.size();
        for (int k = 0; k < series.size(); k++) {
            Series s = series.get(k);
            int slot = colourOrder.indexOf(s.name());
            String colour = COLOURS[(slot >= 0 ? slot : unnamed++) % COLOURS.length];
            StringBuilder points = new StringBuilder();
            for (int i = 0; i < s.y().size(); i++) {
                Double v = s.y().get(i);
                if (v == null) continue;
                double x = px(i, maxX, pw), y = py(v, lo, hi, ph);
                points.append(f("%.1f,%.1f ", x, y));
                if (s.y().size() <= 20) sb.append(f("<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>", x, y, colour));
                if (s.errors() != null && s.errors().get(i) != null) {
                    double e = s.errors().get(i);
                    sb.append(f("<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>", x, x, py(v - e, lo, hi, ph), py(v + e, lo, hi, ph), colour));
                }
            }
            String dash = s.baseline() ? " stroke-dasharray=\"6 4\"" : "";
            sb.append(f("<polyline class=\"series\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s points=\"%s\"/>", colour, dash, points.toString().strip()));
            int ly = TOP + 12 + 16 * k;
            sb.append(f("<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"2\"%s/>", LEFT + pw + 10, LEFT + pw + 28, ly - 4, ly - 4, colour, dash));
            sb.append(f("<text x=\"%d\" y=\"%d\" font-size=\"11\">%s</text>", LEFT + pw + 32, ly, esc(s.name())));
        }
        return sb.append("</svg>").toString();
    }

    private static double px(int x, int maxX, int pw) {
        return LEFT + pw * (double) x / maxX;
    }

    private static double py(double v, double lo, double hi, int ph) {
        return TOP + ph - ph * (v - lo) / (hi - lo);
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    private static String f(String format, Object... args) {
        return String.format(Locale.ROOT, format, args);
    }
}
