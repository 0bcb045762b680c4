package dev.selfee.engine.optim;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static dev.selfee.engine.optim.OptimFixture.ROOT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class LrScheduleTest {
    @Test
    void factorsEqualTransformersSchedules() {
        JsonNode s = ROOT.get("schedules");
        long warmup = s.get("warmup").longValue(), total = s.get("total").longValue();
        Map<String, LrSchedule> ours = Map.of(
                "constant", LrSchedule.constant(),
                "constant_with_warmup", LrSchedule.constantWithWarmup(warmup),
                "linear_with_warmup", LrSchedule.linearWithWarmup(warmup, total),
                "cosine_with_warmup", LrSchedule.cosineWithWarmup(warmup, total),
                "cosine_with_warmup_2_cycles", LrSchedule.cosineWithWarmup(warmup, total, 2.0));
        ours.forEach((name, schedule) -> {
            JsonNode want = s.get(name);
            assertEquals(s.get("steps").intValue(), want.size());
            for (int step = 0; step < want.size(); step++) {
                assertEquals(want.get(step).doubleValue(), schedule.factor(step), 1e-15, name + " at step " + step);
            }
        });
    }

    @Test
    void negativeStepCountsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> LrSchedule.linearWithWarmup(-1, 10));
    }
}
