package dev.selfee.spa.gold;

import static org.junit.jupiter.api.Assertions.*;

import dev.selfee.spa.gold.GoldJudge.Decider;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class GoldJudgeTest {
    private static final GoldPrompt REV = GoldPrompt.parse("reverse: abcd");

    @Test
    void tasksComputeTheirAnswers() {
        assertEquals("dcba", REV.answer());
        assertEquals("ABC", GoldPrompt.parse("upper: abc").answer());
        assertEquals("abcd", GoldPrompt.parse("sort: dbca").answer());
        assertEquals("e", GoldPrompt.parse("last: abcde").answer());
        assertEquals("abab", GoldPrompt.parse("double: ab").answer());
        assertEquals("19", GoldPrompt.parse("add: 12 7").answer());
        assertThrows(IllegalArgumentException.class, () -> GoldPrompt.parse("add: x y"));
        assertThrows(IllegalArgumentException.class, () -> GoldPrompt.parse("hello"));
    }

    @Test
    void classifiesResponses() {
        assertEquals(new ResponseQuality(true, false, 4), ResponseQuality.of(REV, " dcba\n"));
        assertEquals(new ResponseQuality(true, true, 19), ResponseQuality.of(REV, "the answer is dcba."));
        assertEquals(new ResponseQuality(false, true, 19), ResponseQuality.of(REV, "the answer is dcab."));
        assertFalse(ResponseQuality.of(REV, "").correct());
    }

    @Test
    void styleJudgePrefersTerseThenShorter() {
        var v = GoldJudge.STYLE.compare(REV, "the answer is dcba.", "xyz");
        assertEquals(1, v.preference());
        assertEquals(Decider.FORMAT, v.decidedBy());
        assertEquals(new GoldJudge.Verdict(0, Decider.LENGTH), GoldJudge.STYLE.compare(REV, "dcb", "dcba"));
        assertEquals(new GoldJudge.Verdict(0.5, Decider.TIE), GoldJudge.STYLE.compare(REV, "dcba", "abcd"));
    }

    @Test
    void correctnessJudgePrefersCorrectThenTerseThenShorter() {
        assertEquals(new GoldJudge.Verdict(0, Decider.CORRECTNESS),
                GoldJudge.CORRECTNESS.compare(REV, "the answer is dcba.", "dcb"));
        assertEquals(new GoldJudge.Verdict(1, Decider.FORMAT),
                GoldJudge.CORRECTNESS.compare(REV, "the answer is dcba.", "dcba"));
        assertEquals(new GoldJudge.Verdict(1, Decider.LENGTH), GoldJudge.CORRECTNESS.compare(REV, "abcde", "dcb"));
        assertEquals(new GoldJudge.Verdict(0.5, Decider.TIE), GoldJudge.CORRECTNESS.compare(REV, "dcba", "dcba"));
    }

    @Test
    void demonstrationsFollowTheConfiguredMix() {
        SplittableRandom r = new SplittableRandom(7);
        List<GoldPrompt> ps = GoldPrompt.generate(3, 20_000);
        int exact = 0, verboseCorrect = 0, wrong = 0;
        for (GoldPrompt p : ps) {
            ResponseQuality q = ResponseQuality.of(p, Demonstrations.DEFAULT.demonstrate(p, r));
            if (q.exact()) exact++;
            else if (q.correct()) verboseCorrect++;
            else wrong++;
        }
        assertEquals(0.46, exact / 20_000.0, 0.015);
        assertEquals(0.14, verboseCorrect / 20_000.0, 0.015);
        assertEquals(0.40, wrong / 20_000.0, 0.015);
    }

    @Test
    void generationIsDeterministicAndCoversEveryTask() {
        List<GoldPrompt> a = GoldPrompt.generate(11, 600), b = GoldPrompt.generate(11, 600);
        assertEquals(a, b);
        for (GoldTask t : GoldTask.values()) assertTrue(a.stream().anyMatch(p -> p.task() == t), t.name());
        for (GoldPrompt p : a) assertEquals(p, GoldPrompt.parse(p.prompt()));
    }
}
