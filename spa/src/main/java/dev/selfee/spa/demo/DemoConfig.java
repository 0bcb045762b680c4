package dev.selfee.spa.demo;

/**
 * The sizes of one gold-oracle benchmark run. Only the task design and the sizes change between
 * presets; the optimisation settings are {@link DemoHyperparameters}' and stay fixed.
 *
 * @param name            the preset's name, recorded in the report
 * @param demonstrations  SFT demonstrations
 * @param poolPerIteration unlabelled prompts per iteration (the pool is this times {@code iterations})
 * @param iterations      self-annotation iterations
 * @param seedPrompts     prompts whose SFT sample pairs the gold judge labels for the seed (≈3.3% of the pool)
 * @param testPrompts     held-out evaluation prompts
 * @param evalSeeds       sampled evaluation passes at T = 0.7 (plus one greedy pass)
 * @param vocabSize       BPE vocabulary, special tokens and 256 bytes included
 * @param hidden          model width
 * @param layers          transformer blocks
 * @param heads           attention heads
 * @param kvHeads         key/value heads
 * @param ffn             feed-forward width
 * @param sftEpochs       passes over the demonstrations
 * @param maxNewTokens    generation limit per response
 */
public record DemoConfig(String name, int demonstrations, int poolPerIteration, int iterations, int seedPrompts, int testPrompts, int evalSeeds,
                         int vocabSize, int hidden, int layers, int heads, int kvHeads, int ffn, double sftEpochs, int maxNewTokens) {
    public DemoConfig {
        if (demonstrations < 1 || poolPerIteration < 1 || iterations < 1 || seedPrompts < 1 || testPrompts < 1 || evalSeeds < 1) {
            throw new IllegalArgumentException("demo sizes must be positive");
        }
    }

    /** The default run: the prototype's model (0.84M parameters) on a pool sized to fit minutes on 2 cores. */
    public static DemoConfig full() {
        return new DemoConfig("full", 6000, 1000, 3, 100, 400, 4, 300, 128, 4, 4, 2, 384, 12, 16);
    }

    /** A smaller pool, model and evaluation for a run of a couple of minutes. */
    public static DemoConfig quick() {
        return new DemoConfig("quick", 3000, 300, 3, 30, 200, 2, 300, 64, 4, 4, 2, 192, 12, 16);
    }

    /** The smallest run that still exercises every stage: for tests. */
    public static DemoConfig test() {
        return new DemoConfig("test", 96, 16, 2, 12, 12, 1, 300, 16, 1, 2, 1, 32, 1, 8);
    }

    public static DemoConfig named(String name) {
        return switch (name) {
            case "full" -> full();
            case "quick" -> quick();
            case "test" -> test();
            default -> throw new IllegalArgumentException("unknown demo size '" + name + "'; expected full, quick or test");
        };
    }

    public int poolSize() {
        return poolPerIteration * iterations;
    }
}
