package dev.selfee.spa.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.selfee.spa.gold.GoldJudge;
import dev.selfee.spa.run.RunDirectory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The whole benchmark at its test size: every row and audit present, and the same seed gives the same report, resumed or not. */
class GoldBenchmarkTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<GoldJudge> JUDGES = List.of(GoldJudge.STYLE, GoldJudge.CORRECTNESS);

    @TempDir
    Path tmp;

    @Test
    void runsEndToEndDeterministicallyAndResumes() throws Exception {
        DemoConfig c = DemoConfig.test();
        DemoReport a = new GoldBenchmark(c, 7, tmp.resolve("a")).run(JUDGES, Arrays.asList(DemoMethod.values()));
        a.write(tmp.resolve("a"));
        JsonNode report = JSON.readTree(tmp.resolve("a/report.json").toFile());

        int iterative = (int) Arrays.stream(DemoMethod.values()).filter(m -> m.iterative).count();
        int audited = (int) Arrays.stream(DemoMethod.values()).filter(DemoMethod::audited).count();
        assertEquals(JUDGES.size() * (2 + iterative * c.iterations()), report.get("rows").size());
        assertEquals(JUDGES.size() * audited * c.iterations(), report.get("iterations").size());
        assertEquals(JUDGES.size() * iterative * c.iterations(), report.get("training").size());
        for (JsonNode t : report.get("training")) assertTrue(t.get("reward_margins").size() > 0, "every iteration trained: " + t);
        Set<String> methods = new HashSet<>();
        for (JsonNode r : report.get("rows")) {
            for (String f : List.of("judge", "method", "gold_labels_fraction", "win_rate", "win_rate_se", "win_rate_greedy", "accuracy", "mean_length")) {
                assertTrue(r.has(f), "row lacks " + f + ": " + r);
            }
            double w = r.get("win_rate").asDouble();
            assertTrue(w >= 0 && w <= 1, "win rate " + w);
            methods.add(r.get("method").asText());
            if (r.get("method").asText().equals("sft")) {
                assertEquals(0.5, w, 0, "the SFT model against itself ties everywhere");
                assertEquals(0, r.get("gold_labels_fraction").asDouble());
            }
        }
        assertEquals(Arrays.stream(DemoMethod.values()).map(m -> m.id).collect(java.util.stream.Collectors.toSet()), methods);
        for (JsonNode it : report.get("iterations")) {
            for (String f : List.of("judge_accuracy", "judge_accuracy_by_kind", "flagged_fraction", "error_flagged", "error_unflagged")) {
                assertTrue(it.has(f), "iteration lacks " + f + ": " + it);
            }
        }
        assertTrue(report.get("seconds").asDouble() > 0);

        DemoReport b = new GoldBenchmark(c, 7, tmp.resolve("b")).run(JUDGES, Arrays.asList(DemoMethod.values()));
        assertEquals(a.json(false), b.json(false), "the same seed gives the same report");

        // An interrupted last stage is redone on resume, to the same result.
        RunDirectory stages = new RunDirectory(tmp.resolve("b/stages"));
        String last = "correctness-spa-reference-none-it" + c.iterations();
        Files.delete(stages.stage(last).dir().resolve(RunDirectory.MARKER));
        DemoReport resumed = new GoldBenchmark(c, 7, tmp.resolve("b")).run(JUDGES, Arrays.asList(DemoMethod.values()));
        assertEquals(a.json(false), resumed.json(false), "a resumed run gives the same report");
    }
}
