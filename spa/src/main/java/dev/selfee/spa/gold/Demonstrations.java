package dev.selfee.spa.gold;

import java.util.SplittableRandom;

/**
 * Deliberately imperfect SFT demonstrations, so that samples from the SFT model differ in
 * quality: a share exact, a share verbose but correct, the rest wrong (terse or verbose).
 * The default mix follows the prototype that calibrated the benchmark: 46% exact, 14%
 * verbose-correct, 40% wrong.
 */
public record Demonstrations(double exact, double verboseCorrect) {
    public static final Demonstrations DEFAULT = new Demonstrations(0.46, 0.14);

    public Demonstrations {
        if (exact < 0 || verboseCorrect < 0 || exact + verboseCorrect > 1) {
            throw new IllegalArgumentException("demonstration shares must be non-negative and sum to at most 1");
        }
    }

    /** One demonstration (the completion text) for {@code p}. */
    public String demonstrate(GoldPrompt p, SplittableRandom r) {
        double u = r.nextDouble();
        if (u < exact) return p.answer();
        if (u < exact + verboseCorrect) return ResponseQuality.verbose(p.answer());
        String wrong = corrupt(p, r); // wrong answers are verbose in the same proportion as correct ones
        return r.nextDouble() < verboseCorrect / Math.max(1e-9, exact + verboseCorrect) ? ResponseQuality.verbose(wrong) : wrong;
    }

    /** A plausible wrong answer: off by a little for sums, one edit for strings; never the right one. */
    static String corrupt(GoldPrompt p, SplittableRandom r) {
        String a = p.answer();
        for (int attempt = 0; attempt < 16; attempt++) {
            String w;
            if (p.task() == GoldTask.ADD) {
                int d = r.nextInt(1, 4) * (r.nextBoolean() ? 1 : -1);
                w = Integer.toString(Integer.parseInt(a) + d);
            } else {
                w = editOnce(a, p.task() == GoldTask.UPPER ? GoldTask.LETTERS.toUpperCase(java.util.Locale.ROOT) : GoldTask.LETTERS, r);
            }
            if (!w.equals(a) && !w.isEmpty()) return w;
        }
        return a + a.charAt(0); // always different from a
    }

    private static String editOnce(String s, String alphabet, SplittableRandom r) {
        StringBuilder sb = new StringBuilder(s);
        int i = r.nextInt(s.length());
        switch (r.nextInt(3)) {
            case 0 -> { // swap with a neighbour
                int j = i + 1 < s.length() ? i + 1 : i - 1;
                if (j < 0) return s + alphabet.charAt(r.nextInt(alphabet.length()));
                char t = sb.charAt(i);
                sb.setCharAt(i, sb.charAt(j));
                sb.setCharAt(j, t);
            }
            case 1 -> sb.setCharAt(i, alphabet.charAt(r.nextInt(alphabet.length())));
            default -> {
                if (s.length() > 1) sb.deleteCharAt(i);
                else sb.append(alphabet.charAt(r.nextInt(alphabet.length())));
            }
        }
        return sb.toString();
    }
}
