package dev.selfee.tokenizer.train;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The GPT-2 split HF's {@code ByteLevel} pre-tokenizer applies with {@code use_regex: true}: contractions,
 * letters and digits with an optional leading space, punctuation runs, and whitespace. Unicode classes
 * ({@code \s} included) as in the Rust regex HF uses.
 */
public final class Gpt2PreTokenizer {
    /** The pattern text, exactly as HF tokenizers' ByteLevel pre-tokenizer defines it. */
    public static final String PATTERN = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";
    private static final Pattern REGEX = Pattern.compile(PATTERN, Pattern.UNICODE_CHARACTER_CLASS);

    private Gpt2PreTokenizer() {
    }

    /** The pieces of {@code text}, in order; their concatenation is {@code text}. */
    public static List<String> split(String text) {
        List<String> out = new ArrayList<>();
        Matcher m = REGEX.matcher(text);
        while (m.find()) out.add(m.group());
        return out;
    }
}
