package dev.selfee.spa.judge;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.junit.jupiter.api.Test;

class ExternalJudgeTest {
    private static final List<PairwiseComparison> TWO = List.of(
            new PairwiseComparison("p", "a", "bb"), new PairwiseComparison("q", "ccc", "d"));

    @Test
    void readsOnePreferencePerComparison() {
        // a judge that prefers the shorter response, written in plain shell + sed
        String cmd = "while IFS= read -r l; do a=$(printf '%s' \"$l\" | sed 's/.*\"response_a\":\"\\([^\"]*\\)\".*/\\1/');"
                + " b=$(printf '%s' \"$l\" | sed 's/.*\"response_b\":\"\\([^\"]*\\)\".*/\\1/');"
                + " if [ ${#a} -lt ${#b} ]; then echo '{\"preference\": 0}'; else echo '{\"preference\": 1}'; fi; done";
        assertArrayEquals(new double[] {0, 1}, new ExternalJudge(cmd).judge(TWO));
    }

    @Test
    void badAnswersAreReportedClearly() {
        var e = assertThrows(IllegalStateException.class, () -> new ExternalJudge("cat >/dev/null; echo '{\"preference\": 2}'").judge(TWO));
        assertTrue(e.getMessage().contains("output line 1 is not {\"preference\": 0|1|0.5}"), e.getMessage());
        var short1 = assertThrows(IllegalStateException.class, () -> new ExternalJudge("cat >/dev/null; echo '{\"preference\": 0.5}'").judge(TWO));
        assertTrue(short1.getMessage().endsWith("answered 1 of 2 comparisons"), short1.getMessage());
        var fail = assertThrows(IllegalStateException.class, () -> new ExternalJudge("cat >/dev/null; exit 3").judge(TWO));
        assertTrue(fail.getMessage().endsWith("exited with status 3"), fail.getMessage());
    }
}
