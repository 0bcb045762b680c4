package dev.selfee.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** selfee demo at its test size, one judge: the table on stdout, report.json and report.html in --out, and a clear error for a bad judge. */
class DemoCommandTest {
    @TempDir
    Path tmp;

    @Test
    void runsTheBenchmarkAndWritesTheReport() throws Exception {
        Path out = tmp.resolve("demo");
        PrintStream old = System.out;
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        System.setOut(new PrintStream(stdout, true));
        ModelCommandsTest.Result r;
        try {
            r = ModelCommandsTest.run("demo", "--size", "test", "--judge", "style", "--seed", "3", "--out", out.toString());
        } finally {
            System.setOut(old);
        }
        assertEquals(0, r.code(), r.err());
        assertTrue(stdout.toString().contains("seed-dpo"), stdout.toString());
        assertTrue(r.err().contains("[sft]"), "progress on stderr");
        JsonNode report = new ObjectMapper().readTree(out.resolve("report.json").toFile());
        assertEquals(3, report.get("config").get("seed").asInt());
        for (JsonNode row : report.get("rows")) assertEquals("style", row.get("judge").asText());
        assertTrue(Files.readString(out.resolve("report.html")).contains("<svg"), "the HTML report has its plots");
        ReportInBrowser.check(out.resolve("report.html"), tmp);
    }

    @Test
    void unknownJudgeIsOneClearError() {
        ModelCommandsTest.Result r = ModelCommandsTest.run("demo", "--size", "test", "--judge", "kindness", "--out", tmp.resolve("x").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("unknown gold judge 'kindness'"), r.err());
    }
}
