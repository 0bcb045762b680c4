package dev.selfee.spa.gold;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;

/**
 * A gold judge speaking the {@code --judge-cmd} protocol, so the benchmark's judges can judge
 * anything that calls external judges: JSONL {@code {"prompt","response_a","response_b"}} in,
 * one {@code {"preference": 0|1|0.5}} out per line, flushed per line.
 */
public final class GoldJudgeProgram {
    private static final ObjectMapper JSON = new ObjectMapper();

    private GoldJudgeProgram() {}

    /** Judges every line of {@code in}; a bad line stops with an error naming its number. */
    public static void run(GoldJudge judge, BufferedReader in, PrintStream out) throws IOException {
        String line;
        long n = 0;
        while ((line = in.readLine()) != null) {
            n++;
            if (line.isBlank()) continue;
            JsonNode o;
            try {
                o = JSON.readTree(line);
            } catch (IOException e) {
                throw new IllegalArgumentException("stdin line " + n + ": not valid JSON");
            }
            String prompt = text(o, "prompt", n), a = text(o, "response_a", n), b = text(o, "response_b", n);
            GoldPrompt p;
            try {
                p = GoldPrompt.parse(prompt);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("stdin line " + n + ": " + e.getMessage());
            }
            double pref = judge.compare(p, a, b).preference();
            out.println(pref == 0.5 ? "{\"preference\": 0.5}" : "{\"preference\": " + (int) pref + "}");
            out.flush();
        }
    }

    private static String text(JsonNode o, String field, long line) {
        JsonNode v = o == null ? null : o.get(field);
        if (v == null || !v.isTextual()) throw new IllegalArgumentException("stdin line " + line + ": missing string field \"" + field + "\"");
        return v.asText();
    }
}
