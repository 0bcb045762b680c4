package dev.selfee.spa.demo;

import dev.selfee.spa.gold.Demonstrations;
import dev.selfee.spa.gold.GoldPrompt;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Everything the benchmark draws from its seed: SFT demonstrations (deliberately imperfect), the
 * unlabelled prompt pool split across the iterations, the seed prompts whose SFT samples the gold
 * judge labels, and held-out test prompts. Each part comes from its own stream, so changing one
 * size leaves the others' prompts alone.
 */
public record DemoData(List<GoldPrompt> demoPrompts, List<String> demoCompletions, List<List<GoldPrompt>> pools,
                       List<GoldPrompt> seedPrompts, List<GoldPrompt> testPrompts) {

    public static DemoData generate(DemoConfig c, long seed) {
        List<GoldPrompt> demoPrompts = GoldPrompt.generate(seed ^ 0x5f7a1L, c.demonstrations());
        SplittableRandom r = new SplittableRandom(seed ^ 0xde40L);
        List<String> completions = new ArrayList<>();
        for (GoldPrompt p : demoPrompts) completions.add(Demonstrations.DEFAULT.demonstrate(p, r));
        List<List<GoldPrompt>> pools = new ArrayList<>();
        for (int i = 0; i < c.iterations(); i++) pools.add(GoldPrompt.generate(seed * 31 + 1000 + i, c.poolPerIteration()));
        return new DemoData(demoPrompts, completions, pools, GoldPrompt.generate(seed ^ 0x5eedL, c.seedPrompts()),
                GoldPrompt.generate(seed ^ 0x7e57L, c.testPrompts()));
    }
}
