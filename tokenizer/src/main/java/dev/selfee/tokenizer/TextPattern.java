package dev.selfee.tokenizer;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The {@code pattern} of Split, Replace: a literal string or a regular expression, found left to right without overlap. */
interface TextPattern {
    /** Appends the start and end (char indices) of each match in {@code s} to {@code out}. */
    void findAll(String s, IntList out);

    default String replaceAll(String s, String content) {
        IntList m = new IntList(8);
        findAll(s, m);
        if (m.size() == 0) return s;
        StringBuilder sb = new StringBuilder(s.length() + 16);
        int prev = 0;
        for (int i = 0; i < m.size(); i += 2) {
            sb.append(s, prev, m.get(i)).append(content);
            prev = m.get(i + 1);
        }
        return sb.append(s, prev, s.length()).toString();
    }

    static TextPattern literal(String text) {
        return new Literal(text);
    }

    /**
     * A regular expression in the Oniguruma syntax of tokenizer.json. The pre-tokenizer patterns of GPT-2,
     * Llama 3 and Qwen2/3 run on a hand-written scanner (linear, no backtracking); others on java.util.regex
     * with Unicode classes, where {@code \s} is White_Space as in Oniguruma.
     */
    static TextPattern regex(String regex) {
        PretokenizerScanner scanner = PretokenizerScanner.forPattern(regex);
        return scanner != null ? scanner : new JavaRegex(regex);
    }

    record Literal(String text) implements TextPattern {
        public void findAll(String s, IntList out) {
            if (text.isEmpty()) return;
            for (int i = s.indexOf(text); i >= 0; i = s.indexOf(text, i + text.length())) {
                out.add(i);
                out.add(i + text.length());
            }
        }
    }

    final class JavaRegex implements TextPattern {
        private final Pattern pattern;

        JavaRegex(String regex) {
            this.pattern = Pattern.compile(regex, Pattern.UNICODE_CHARACTER_CLASS);
        }

        @Override
        public void findAll(String s, IntList out) {
            Matcher m = pattern.matcher(s);
            try {
                while (m.find()) {
                    out.add(m.start());
                    out.add(m.end());
                }
            } catch (StackOverflowError e) {
                // java.util.regex recurses on repeated groups; say which pattern failed rather than crash without a word
                throw new TokenizerException("the regex " + pattern.pattern() + " ran out of stack on a text of "
                        + s.length() + " chars; split the text into shorter pieces");
            }
        }

        @Override
        public String toString() {
            return pattern.pattern();
        }
    }
}
