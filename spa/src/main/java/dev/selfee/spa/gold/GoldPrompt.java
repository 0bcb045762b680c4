package dev.selfee.spa.gold;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** One benchmark prompt with its task and the correct terse answer. */
public record GoldPrompt(GoldTask task, String prompt, String answer) {
    /** {@code n} prompts drawn uniformly over the tasks from {@code seed}. */
    public static List<GoldPrompt> generate(long seed, int n) {
        SplittableRandom r = new SplittableRandom(seed);
        GoldTask[] tasks = GoldTask.values();
        List<GoldPrompt> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) out.add(tasks[r.nextInt(tasks.length)].sample(r));
        return out;
    }

    /** Finds the task and answer of a prompt text, or throws naming the prompt. */
    public static GoldPrompt parse(String prompt) {
        int colon = prompt.indexOf(": ");
        if (colon > 0) {
            String verb = prompt.substring(0, colon), arg = prompt.substring(colon + 2);
            for (GoldTask t : GoldTask.values()) {
                if (t.verb.equals(verb)) {
                    try {
                        return new GoldPrompt(t, prompt, t.answer(arg));
                    } catch (RuntimeException e) {
                        break;
                    }
                }
            }
        }
        throw new IllegalArgumentException("not a gold-benchmark prompt: '" + prompt + "'");
    }
}
