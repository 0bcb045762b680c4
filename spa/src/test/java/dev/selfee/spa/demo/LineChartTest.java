package dev.selfee.spa.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The inline SVG: one polyline per series inside the plot area, higher values drawn higher, baselines dashed, text escaped. */
class LineChartTest {
    @Test
    void drawsEverySeriesInsideThePlot() {
        String svg = new LineChart("a <b> & c", "iteration", "win rate")
                .add(new LineChart.Series("spa", Arrays.asList(null, 0.55, 0.60, 0.70), null, false))
                .add(new LineChart.Series("seed", List.of(0.5, 0.5, 0.5, 0.5), List.of(0.01, 0.01, 0.01, 0.01), true))
                .svg();
        assertTrue(svg.startsWith("<svg") && svg.endsWith("</svg>"));
        assertTrue(svg.contains("a &lt;b&gt; &amp; c"));
        Matcher m = Pattern.compile("<polyline class=\"series\"[^>]*points=\"([^\"]*)\"").matcher(svg);
        int lines = 0;
        double[] firstYs = null;
        while (m.find()) {
            lines++;
            String[] pts = m.group(1).split(" ");
            double[] ys = new double[pts.length];
            for (int i = 0; i < pts.length; i++) {
                String[] xy = pts[i].split(",");
                double x = Double.parseDouble(xy[0]), y = Double.parseDouble(xy[1]);
                assertTrue(x >= 0 && x <= 560 && y >= 0 && y <= 300, "point inside the picture: " + pts[i]);
                ys[i] = y;
            }
            if (firstYs == null) firstYs = ys;
        }
        assertEquals(2, lines);
        assertEquals(3, firstYs.length, "null values are skipped");
        assertTrue(firstYs[0] > firstYs[1] && firstYs[1] > firstYs[2], "larger values are drawn higher (smaller y)");
        assertTrue(svg.contains("stroke-dasharray"), "the baseline is dashed");
    }

    @Test
    void aNamedSeriesKeepsItsColourWhicheverSeriesComeBeforeIt() {
        List<String> order = List.of("sft", "seed-dpo", "spa");
        String alone = new LineChart("t", "x", "y").colourOrder(order)
                .add(new LineChart.Series("spa", List.of(0.1, 0.2), null, false)).svg();
        String withOthers = new LineChart("t", "x", "y").colourOrder(order)
                .add(new LineChart.Series("seed-dpo", List.of(0.1, 0.1), null, true))
                .add(new LineChart.Series("other", List.of(0.3, 0.4), null, false))
                .add(new LineChart.Series("spa", List.of(0.1, 0.2), null, false)).svg();
        List<String> a = strokes(alone), b = strokes(withOthers);
        assertEquals(1, a.size());
        assertEquals(3, b.size());
        assertEquals(a.get(0), b.get(2), "spa is drawn in its own colour in both charts");
        assertTrue(!b.get(0).equals(b.get(1)) && !b.get(1).equals(b.get(2)) && !b.get(0).equals(b.get(2)), "distinct colours: " + b);
    }

    private static List<String> strokes(String svg) {
        Matcher m = Pattern.compile("<polyline class=\"series\" fill=\"none\" stroke=\"([^\"]*)\"").matcher(svg);
        List<String> out = new java.util.ArrayList<>();
        while (m.find()) out.add(m.group(1));
        return out;
    }
}
