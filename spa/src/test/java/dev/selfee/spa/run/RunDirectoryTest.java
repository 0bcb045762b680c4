package dev.selfee.spa.run;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunDirectoryTest {
    @TempDir
    Path tmp;

    @Test
    void interruptedStageStartsAfreshCompletedStageIsKept() throws Exception {
        RunDirectory run = new RunDirectory(tmp.resolve("run"));
        var gen = run.stage("it1-generate");
        Path d = gen.begin();
        Files.writeString(d.resolve("partial.jsonl"), "{}\n");
        assertFalse(gen.isComplete());
        // a kill here, then resume: begin() again clears the leftovers
        Path again = gen.begin();
        assertFalse(Files.exists(again.resolve("partial.jsonl")));
        Files.writeString(again.resolve("generations.jsonl"), "{}\n");
        gen.complete(Map.of("prompts", 3));
        assertTrue(gen.isComplete());
        assertEquals(3, gen.summary().get("prompts").asInt());
        assertThrows(IllegalStateException.class, gen::begin);
        run.stage("it1-judge").begin();
        assertEquals(List.of("it1-generate"), run.completedStages());
    }

    @Test
    void stageSeedsDependOnRunSeedAndName() {
        RunDirectory run = new RunDirectory(tmp);
        assertEquals(run.stage("a").seed(1), run.stage("a").seed(1));
        assertNotEquals(run.stage("a").seed(1), run.stage("b").seed(1));
        assertNotEquals(run.stage("a").seed(1), run.stage("a").seed(2));
        assertThrows(IllegalArgumentException.class, () -> run.stage("../x"));
    }
}
