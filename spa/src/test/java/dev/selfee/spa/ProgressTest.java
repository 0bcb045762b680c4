package dev.selfee.spa;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ProgressTest {
    @Test
    void printsStageStepTotalAndMetrics() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Progress p = new Progress(new PrintStream(bytes, true, StandardCharsets.UTF_8), "dpo", 4, 0, false);
        p.update(1, "loss 0.69");
        p.update(4, "loss 0.50");
        String[] lines = bytes.toString(StandardCharsets.UTF_8).split("\n");
        assertEquals(2, lines.length);
        assertTrue(lines[0].startsWith("[dpo] 1/4  25% ETA "), lines[0]);
        assertTrue(lines[0].endsWith("loss 0.69"), lines[0]);
        assertTrue(lines[1].startsWith("[dpo] 4/4 100% elapsed "), lines[1]);
    }

    @Test
    void throttlesRedrawsButAlwaysDrawsTheLastStep() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Progress p = new Progress(new PrintStream(bytes, true, StandardCharsets.UTF_8), "gen", 1000, 60_000, false);
        for (int i = 1; i <= 1000; i++) p.update(i, null);
        assertEquals(2, bytes.toString(StandardCharsets.UTF_8).split("\n").length); // first and last
    }

    @Test
    void formatsDurations() {
        assertEquals("42s", Progress.duration(42.2));
        assertEquals("2m05s", Progress.duration(125));
        assertEquals("1h01m", Progress.duration(3661));
    }
}
