package dev.selfee.tokenizer;

import java.util.List;

/** A tokenizer.json {@code normalizer}: rewrites the text of each segment between added tokens before it is split. */
sealed interface Normalizer {
    String normalize(String s);

    /** Unicode normalization form NFC, NFD, NFKC or NFKD. */
    record Unicode(java.text.Normalizer.Form form) implements Normalizer {
        public String normalize(String s) {
            return java.text.Normalizer.normalize(s, form);
        }
    }

    /** Lowercases code point by code point (Rust's {@code char::to_lowercase}: no final-sigma context). */
    record Lowercase() implements Normalizer {
        public String normalize(String s) {
            StringBuilder sb = new StringBuilder(s.length());
            s.codePoints().forEach(cp -> {
                if (cp == 0x130) sb.append("i\u0307");
                else sb.appendCodePoint(Character.toLowerCase(cp));
            });
            return sb.toString();
        }
    }

    /** Puts {@code prefix} in front of non-empty text. */
    record Prepend(String prefix) implements Normalizer {
        public String normalize(String s) {
            return s.isEmpty() ? s : prefix + s;
        }
    }

    /** Replaces every match of a literal or regular-expression pattern. */
    record Replace(TextPattern pattern, String content) implements Normalizer {
        public String normalize(String s) {
            return pattern.replaceAll(s, content);
        }
    }

    /** Removes White_Space at the left and/or right end. */
    record Strip(boolean left, boolean right) implements Normalizer {
        public String normalize(String s) {
            int a = 0, b = s.length();
            while (left && a < b && UnicodeClass.isWhitespace(s.codePointAt(a))) a += Character.charCount(s.codePointAt(a));
            while (right && b > a && UnicodeClass.isWhitespace(s.codePointBefore(b))) b -= Character.charCount(s.codePointBefore(b));
            return s.substring(a, b);
        }
    }

    record Sequence(List<Normalizer> normalizers) implements Normalizer {
        public String normalize(String s) {
            for (Normalizer n : normalizers) s = n.normalize(s);
            return s;
        }
    }
}
