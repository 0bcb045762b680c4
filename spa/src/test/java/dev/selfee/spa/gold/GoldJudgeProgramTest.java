package dev.selfee.spa.gold;

import static org.junit.jupiter.api.Assertions.*;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class GoldJudgeProgramTest {
    private static String run(GoldJudge j, String input) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        GoldJudgeProgram.run(j, new BufferedReader(new StringReader(input)), new PrintStream(bytes, true, StandardCharsets.UTF_8));
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void answersOneLinePerComparison() throws Exception {
        String in = """
                {"prompt": "add: 2 3", "response_a": "the answer is 5.", "response_b": "6"}
                {"prompt": "add: 2 3", "response_a": "5", "response_b": "5"}
                """;
        assertEquals("{\"preference\": 0}\n{\"preference\": 0.5}\n", run(GoldJudge.CORRECTNESS, in));
        assertEquals("{\"preference\": 1}\n{\"preference\": 0.5}\n", run(GoldJudge.STYLE, in));
    }

    @Test
    void badLinesNameTheirNumber() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> run(GoldJudge.STYLE, "{\"prompt\": \"add: 2 3\", \"response_a\": \"5\", \"response_b\": \"5\"}\n{\"prompt\": \"x\"}\n"));
        assertEquals("stdin line 2: missing string field \"response_a\"", e.getMessage());
    }
}
