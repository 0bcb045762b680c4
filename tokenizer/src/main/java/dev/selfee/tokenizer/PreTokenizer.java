package dev.selfee.tokenizer;

import java.util.ArrayList;
import java.util.List;

/** A tokenizer.json {@code pre_tokenizer}: splits normalized text into the words the model encodes one by one. */
sealed interface PreTokenizer {
    /**
     * Splits {@code word} and appends the non-empty pieces to {@code out}.
     *
     * @param atStart whether {@code word} begins at offset 0 of the original text (Metaspace's "first" scheme)
     */
    void split(String word, boolean atStart, List<String> out);

    /** GPT-2's: optional leading space, the GPT-2 regex, then each UTF-8 byte as its printable character. */
    record ByteLevel(boolean addPrefixSpace, boolean useRegex) implements PreTokenizer {
        private static final PretokenizerScanner GPT2 = PretokenizerScanner.gpt2();

        public void split(String word, boolean atStart, List<String> out) {
            if (addPrefixSpace && !word.startsWith(" ")) word = " " + word;
            if (!useRegex) {
                if (!word.isEmpty()) out.add(ByteLevelAlphabet.encode(word));
                return;
            }
            IntList m = new IntList(16);
            GPT2.findAll(word, m);
            for (int i = 0; i < m.size(); i += 2) out.add(ByteLevelAlphabet.encode(word.substring(m.get(i), m.get(i + 1))));
        }
    }

    record Split(TextPattern pattern, SplitBehavior behavior, boolean invert) implements PreTokenizer {
        public void split(String word, boolean atStart, List<String> out) {
            IntList m = new IntList(16);
            pattern.findAll(word, m);
            behavior.apply(word, m, invert, out);
        }
    }

    /** SentencePiece's: spaces become the replacement character (▁), which is prepended as the scheme says; optionally splits before each one. */
    record Metaspace(char replacement, PrependScheme scheme, boolean splitWords) implements PreTokenizer {
        enum PrependScheme { ALWAYS, FIRST, NEVER }

        public void split(String word, boolean atStart, List<String> out) {
            String w = word.replace(' ', replacement);
            boolean prepend = switch (scheme) {
                case ALWAYS -> true;
                case FIRST -> atStart;
                case NEVER -> false;
            };
            if (prepend && !w.isEmpty() && w.charAt(0) != replacement) w = replacement + w;
            if (!splitWords) {
                if (!w.isEmpty()) out.add(w);
                return;
            }
            IntList m = new IntList(16);
            new TextPattern.Literal(String.valueOf(replacement)).findAll(w, m);
            SplitBehavior.MERGED_WITH_NEXT.apply(w, m, false, out);
        }
    }

    /** Numbers (Unicode N*) split from the rest, each digit alone or in runs. */
    record Digits(boolean individualDigits) implements PreTokenizer {
        public void split(String word, boolean atStart, List<String> out) {
            IntList m = new IntList(16);
            for (int i = 0; i < word.length(); ) {
                int cp = word.codePointAt(i), len = Character.charCount(cp);
                if (UnicodeClass.of(cp) == UnicodeClass.NUMBER) {
                    m.add(i);
                    m.add(i + len);
                }
                i += len;
            }
            (individualDigits ? SplitBehavior.ISOLATED : SplitBehavior.CONTIGUOUS).apply(word, m, false, out);
        }
    }

    /** Splits on White_Space, dropping it. */
    record WhitespaceSplit() implements PreTokenizer {
        public void split(String word, boolean atStart, List<String> out) {
            IntList m = new IntList(16);
            for (int i = 0; i < word.length(); i++) {
                if (UnicodeClass.isWhitespace(word.charAt(i))) {
                    m.add(i);
                    m.add(i + 1);
                }
            }
            SplitBehavior.REMOVED.apply(word, m, false, out);
        }
    }

    /** {@code \w+|[^\w\s]+} pieces; whitespace dropped. */
    record Whitespace() implements PreTokenizer {
        private static final TextPattern WORDS = TextPattern.regex("\\w+|[^\\w\\s]+");

        public void split(String word, boolean atStart, List<String> out) {
            IntList m = new IntList(16);
            WORDS.findAll(word, m);
            SplitBehavior.REMOVED.apply(word, m, true, out);
        }
    }

    record Sequence(List<PreTokenizer> steps) implements PreTokenizer {
        public void split(String word, boolean atStart, List<String> out) {
            if (steps.isEmpty()) {
                if (!word.isEmpty()) out.add(word);
                return;
            }
            List<String> current = List.of(word);
            for (int s = 0; s < steps.size(); s++) {
                List<String> next = s == steps.size() - 1 ? out : new ArrayList<>(current.size() * 2);
                for (int i = 0; i < current.size(); i++) steps.get(s).split(current.get(i), atStart && i == 0, next);
                current = next;
            }
        }
    }
}
