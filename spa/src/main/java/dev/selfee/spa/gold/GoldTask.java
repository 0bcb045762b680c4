package dev.selfee.spa.gold;

import java.util.SplittableRandom;

/**
 * The short instruction tasks of the gold-oracle benchmark. Each prompt is {@code "<task>: <argument>"}
 * and its preferred (terse) answer is a few characters, so a tiny model can learn them and a
 * program can judge any response exactly.
 */
public enum GoldTask {
    REVERSE("reverse") {
        @Override String answer(String arg) { return new StringBuilder(arg).reverse().toString(); }
    },
    UPPER("upper") {
        @Override String answer(String arg) { return arg.toUpperCase(java.util.Locale.ROOT); }
    },
    SORT("sort") {
        @Override String answer(String arg) {
            char[] c = arg.toCharArray();
            java.util.Arrays.sort(c);
            return new String(c);
        }
    },
    LAST("last") {
        @Override String answer(String arg) { return arg.substring(arg.length() - 1); }
    },
    DOUBLE("double") {
        @Override String answer(String arg) { return arg + arg; }
    },
    ADD("add") {
        @Override String argument(SplittableRandom r) { return r.nextInt(10, 50) + " " + r.nextInt(1, 50); }
        @Override String answer(String arg) {
            String[] p = arg.split(" ");
            return Integer.toString(Integer.parseInt(p[0]) + Integer.parseInt(p[1]));
        }
    };

    /** Letters the string tasks draw from: few, so the vocabulary stays tiny. */
    static final String LETTERS = "abcdefgh";

    public final String verb;

    GoldTask(String verb) {
        this.verb = verb;
    }

    /** A random argument for this task. */
    String argument(SplittableRandom r) {
        int len = r.nextInt(3, 6);
        StringBuilder sb = new StringBuilder(len);
        for (int i = 0; i < len; i++) sb.append(LETTERS.charAt(r.nextInt(LETTERS.length())));
        return sb.toString();
    }

    /** The correct terse answer for an argument. */
    abstract String answer(String arg);

    /** A fresh random prompt of this task. */
    public GoldPrompt sample(SplittableRandom r) {
        String arg = argument(r);
        return new GoldPrompt(this, verb + ": " + arg, answer(arg));
    }
}
