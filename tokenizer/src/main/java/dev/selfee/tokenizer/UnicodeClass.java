package dev.selfee.tokenizer;

/**
 * The character classes Hugging Face tokenizers use, with their exact Unicode meaning: {@code \s} of its
 * regex engine and Rust's {@code char::is_whitespace} are the White_Space property (Java's {@code \s} and
 * {@link Character#isWhitespace} differ: no U+00A0, U+2007, U+202F, U+0085; extra U+001C..U+001F);
 * {@code \p{L}} and {@code \p{N}} are general categories; Rust's {@code is_alphanumeric} is Alphabetic or N*.
 */
final class UnicodeClass {
    static final byte OTHER = 0, LETTER = 1, NUMBER = 2, SPACE = 3;
    private static final byte[] BMP = new byte[65536];

    static {
        for (int c = 0; c < 65536; c++) BMP[c] = compute(c);
    }

    private UnicodeClass() {}

    /** OTHER, LETTER (\p{L}), NUMBER (\p{N}) or SPACE (White_Space); a code point is exactly one of them. */
    static byte of(int cp) {
        return cp < 65536 ? BMP[cp] : compute(cp);
    }

    static boolean isWhitespace(int cp) {
        return of(cp) == SPACE;
    }

    /** Rust's {@code char::is_alphanumeric}: Alphabetic or a number category. */
    static boolean isAlphanumeric(int cp) {
        return Character.isAlphabetic(cp) || isNumber(cp);
    }

    private static boolean isNumber(int cp) {
        int t = Character.getType(cp);
        return t == Character.DECIMAL_DIGIT_NUMBER || t == Character.LETTER_NUMBER || t == Character.OTHER_NUMBER;
    }

    private static byte compute(int cp) {
        if (whiteSpace(cp)) return SPACE;
        return switch (Character.getType(cp)) {
            case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
                 Character.MODIFIER_LETTER, Character.OTHER_LETTER -> LETTER;
            case Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER -> NUMBER;
            default -> OTHER;
        };
    }

    /** The Unicode White_Space property (PropList.txt). */
    private static boolean whiteSpace(int cp) {
        return (cp >= 0x9 && cp <= 0xD) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680
                || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F
                || cp == 0x205F || cp == 0x3000;
    }
}
