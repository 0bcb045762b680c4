package dev.selfee.engine.model.device;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.selfee.engine.backend.Backend;
import dev.selfee.engine.io.LlamaConfig;
import dev.selfee.engine.model.DeviceGenerator;
import dev.selfee.engine.model.Generator;
import dev.selfee.engine.model.LlamaModel;
import dev.selfee.engine.model.SamplingOptions;
import java.util.List;

/**
 * Generation on a device ({@link DeviceGenerator}) against the CPU {@link Generator} on a tiny random
 * model: greedy tokens and stop flags equal for prompts of different lengths (left padding), with
 * a stop token that ends some rows early. Shared by the CPU and OpenCL tests.
 */
public final class DeviceGenerationParity {
    private DeviceGenerationParity() {}

    public static void assertGreedyMatches(Backend be, LlamaConfig c) {
        LlamaModel m = DeviceLlamaParity.model(c, 5);
        List<int[]> prompts = List.of(new int[] {1, 5, 7}, new int[] {3}, new int[] {4, 9, 2, 8, 6, 11});
        int produced = 0;
        for (int stop : new int[] {-1, 7}) {
            SamplingOptions o = stop < 0 ? SamplingOptions.greedy(9) : SamplingOptions.greedy(9, stop);
            List<Generator.Generation> want = Generator.generate(m, prompts, o, 0), got;
            try (DeviceLlama d = DeviceLlama.upload(m, be)) {
                got = DeviceGenerator.generate(d, prompts, o, 0);
            }
            for (int b = 0; b < prompts.size(); b++) {
                assertArrayEquals(want.get(b).tokens(), got.get(b).tokens(), be.name() + " " + c.architecture() + " greedy tokens of row " + b + ", stop " + stop);
                assertEquals(want.get(b).stopped(), got.get(b).stopped(), "stopped, row " + b);
                produced += want.get(b).tokens().length;
            }
        }
        assertTrue(produced > 20, "the test generates tokens");
    }
}
