package dev.selfee.tokenizer;

import java.util.List;

/** What a split does with the matches of its pattern (HF {@code SplitDelimiterBehavior}); empty pieces are dropped. */
enum SplitBehavior {
    ISOLATED, REMOVED, MERGED_WITH_PREVIOUS, MERGED_WITH_NEXT, CONTIGUOUS;

    static SplitBehavior fromJson(String name) {
        return switch (name) {
            case "Isolated" -> ISOLATED;
            case "Removed" -> REMOVED;
            case "MergedWithPrevious" -> MERGED_WITH_PREVIOUS;
            case "MergedWithNext" -> MERGED_WITH_NEXT;
            case "Contiguous" -> CONTIGUOUS;
            default -> null;
        };
    }

    /** Splits {@code s} given its matches (start, end pairs in order) and appends the non-empty pieces to {@code out}. */
    void apply(String s, IntList matches, boolean invert, List<String> out) {
        int n = s.length();
        if (n == 0) return;
        // pieces covering s: [start, end, isMatch] triples
        IntList p = new IntList(matches.size() * 2 + 6);
        int prev = 0;
        for (int i = 0; i < matches.size(); i += 2) {
            int a = matches.get(i), b = matches.get(i + 1);
            if (a != prev) addPiece(p, prev, a, invert);
            addPiece(p, a, b, !invert);
            prev = b;
        }
        if (prev != n) addPiece(p, prev, n, invert);
        int count = p.size() / 3;
        switch (this) {
            case ISOLATED -> {
                for (int k = 0; k < count; k++) emit(s, p.get(3 * k), p.get(3 * k + 1), out);
            }
            case REMOVED -> {
                for (int k = 0; k < count; k++) if (p.get(3 * k + 2) == 0) emit(s, p.get(3 * k), p.get(3 * k + 1), out);
            }
            case CONTIGUOUS, MERGED_WITH_PREVIOUS -> {
                // a piece joins the one before it when (contiguous) both are matches or both are not, or (merged with previous) it is a match after a non-match
                int start = -1, end = -1;
                boolean previous = false;
                for (int k = 0; k < count; k++) {
                    boolean match = p.get(3 * k + 2) == 1;
                    boolean join = start >= 0 && (this == CONTIGUOUS ? match == previous : match && !previous);
                    if (join) {
                        end = p.get(3 * k + 1);
                    } else {
                        if (start >= 0) emit(s, start, end, out);
                        start = p.get(3 * k);
                        end = p.get(3 * k + 1);
                    }
                    previous = match;
                }
                if (start >= 0) emit(s, start, end, out);
            }
            case MERGED_WITH_NEXT -> {
                // scanning from the right, a match joins the piece after it when that piece is not a match itself
                int[] starts = new int[count], ends = new int[count];
                int m = 0;
                boolean previous = false;
                for (int k = count - 1; k >= 0; k--) {
                    boolean match = p.get(3 * k + 2) == 1;
                    if (match && !previous && m > 0) {
                        starts[m - 1] = p.get(3 * k);
                    } else {
                        starts[m] = p.get(3 * k);
                        ends[m] = p.get(3 * k + 1);
                        m++;
                    }
                    previous = match;
                }
                for (int k = m - 1; k >= 0; k--) emit(s, starts[k], ends[k], out);
            }
        }
    }

    private static void addPiece(IntList p, int a, int b, boolean match) {
        p.add(a);
        p.add(b);
        p.add(match ? 1 : 0);
    }

    private static void emit(String s, int a, int b, List<String> out) {
        if (b > a) out.add(a == 0 && b == s.length() ? s : s.substring(a, b));
    }
}
