package dev.selfee.tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Splits text around added tokens as HF's AddedVocabulary does: leftmost-longest matches (its
 * Aho-Corasick mode), then the single_word, lstrip and rstrip rules of each token.
 */
final class AddedTokenMatcher {
    /** A piece of text ({@code id} = -1) or an added token's id; {@code start} is its offset in the text split. */
    record Segment(String text, int id, int start) {}

    private final AddedToken[] tokens;
    /** The patterns to look for, parallel to {@code tokens} (normalized ones are normalized). */
    private final String[] patterns;
    /** Indices into {@code tokens}, grouped by the pattern's first char, longest first. */
    private final Map<Character, int[]> byFirstChar = new HashMap<>();
    private final boolean[] isFirstChar = new boolean[65536];

    AddedTokenMatcher(List<AddedToken> tokens, List<String> patterns) {
        this.tokens = tokens.toArray(AddedToken[]::new);
        this.patterns = patterns.toArray(String[]::new);
        Map<Character, List<Integer>> groups = new HashMap<>();
        for (int i = 0; i < this.patterns.length; i++) {
            if (this.patterns[i].isEmpty()) continue;
            groups.computeIfAbsent(this.patterns[i].charAt(0), k -> new ArrayList<>()).add(i);
        }
        groups.forEach((c, list) -> {
            list.sort(Comparator.comparingInt((Integer i) -> -this.patterns[i].length()).thenComparingInt(i -> i));
            byFirstChar.put(c, list.stream().mapToInt(Integer::intValue).toArray());
            isFirstChar[c] = true;
        });
    }

    boolean isEmpty() {
        return byFirstChar.isEmpty();
    }

    /** The segments of {@code s}: text pieces (possibly empty ones dropped) and matched tokens, in order. */
    List<Segment> split(String s) {
        List<Segment> out = new ArrayList<>();
        if (byFirstChar.isEmpty()) {
            if (!s.isEmpty()) out.add(new Segment(s, -1, 0));
            return out;
        }
        int n = s.length(), startOffset = 0, i = 0;
        while (i < n) {
            int match = longestAt(s, i);
            if (match < 0) {
                i++;
                continue;
            }
            AddedToken t = tokens[match];
            int start = i, stop = i + patterns[match].length();
            i = stop; // the search goes on after the match itself, as HF's does
            if (t.singleWord()) {
                boolean startOk = start == 0 || !UnicodeClass.isAlphanumeric(s.codePointBefore(start));
                boolean stopOk = stop == n || !UnicodeClass.isAlphanumeric(s.codePointAt(stop));
                if (!startOk || !stopOk) continue;
            }
            if (t.lstrip()) {
                int a = start;
                while (a > 0 && UnicodeClass.isWhitespace(s.codePointBefore(a))) a -= Character.charCount(s.codePointBefore(a));
                start = Math.max(a, startOffset);
            }
            if (t.rstrip()) {
                while (stop < n && UnicodeClass.isWhitespace(s.codePointAt(stop))) stop += Character.charCount(s.codePointAt(stop));
            }
            if (startOffset < start) out.add(new Segment(s.substring(startOffset, start), -1, startOffset));
            out.add(new Segment(null, t.id(), start));
            startOffset = stop;
        }
        if (startOffset < n) out.add(new Segment(s.substring(startOffset), -1, startOffset));
        return out;
    }

    /** The index of the longest pattern starting at {@code i}, or -1. */
    private int longestAt(String s, int i) {
        char c = s.charAt(i);
        if (!isFirstChar[c]) return -1;
        int[] candidates = byFirstChar.get(c);
        for (int k : candidates) if (s.startsWith(patterns[k], i)) return k;
        return -1;
    }

    @Override
    public String toString() {
        return Arrays.toString(patterns);
    }
}
