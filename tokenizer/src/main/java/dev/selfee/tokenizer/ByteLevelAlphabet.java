package dev.selfee.tokenizer;

import java.util.Arrays;

/**
 * GPT-2's reversible map between bytes and printable characters: printable Latin-1 bytes map to
 * themselves, the other 68 bytes to U+0100 onwards, so that every byte string is a visible string.
 * Byte-level vocabularies (GPT-2, Llama 3, Qwen) are written in this alphabet.
 */
public final class ByteLevelAlphabet {
    /** The character standing for each byte. */
    private static final char[] BYTE_TO_CHAR = new char[256];
    /** The byte each character stands for, or -1; indexed by char up to U+0143. */
    private static final short[] CHAR_TO_BYTE = new short[0x144];

    static {
        Arrays.fill(CHAR_TO_BYTE, (short) -1);
        int n = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            char c = printable ? (char) b : (char) (256 + n++);
            BYTE_TO_CHAR[b] = c;
            CHAR_TO_BYTE[c] = (short) b;
        }
    }

    private ByteLevelAlphabet() {}

    /** The character standing for byte {@code b} (0..255). */
    public static char charOf(int b) {
        return BYTE_TO_CHAR[b & 0xFF];
    }

    /** The byte a character stands for, or -1 when it is not in the alphabet. */
    public static int byteOf(int cp) {
        return cp >= 0 && cp < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[cp] : -1;
    }

    /**
     * The UTF-8 bytes of {@code s}, each written as its alphabet character. A lone surrogate, which UTF-8 cannot
     * hold, is written as U+FFFD (as {@link Tokenizer#encode} reads it).
     */
    public static String encode(String s) {
        int n = s.length();
        char[] out = new char[n * 3]; // a char is at most 3 bytes; a surrogate pair (2 chars) is 4
        int o = 0;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                out[o++] = BYTE_TO_CHAR[c];
            } else if (c < 0x800) {
                out[o++] = BYTE_TO_CHAR[0xC0 | (c >> 6)];
                out[o++] = BYTE_TO_CHAR[0x80 | (c & 0x3F)];
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, s.charAt(++i));
                out[o++] = BYTE_TO_CHAR[0xF0 | (cp >> 18)];
                out[o++] = BYTE_TO_CHAR[0x80 | ((cp >> 12) & 0x3F)];
                out[o++] = BYTE_TO_CHAR[0x80 | ((cp >> 6) & 0x3F)];
                out[o++] = BYTE_TO_CHAR[0x80 | (cp & 0x3F)];
            } else {
                if (Character.isSurrogate(c)) c = '\uFFFD';
                out[o++] = BYTE_TO_CHAR[0xE0 | (c >> 12)];
                out[o++] = BYTE_TO_CHAR[0x80 | ((c >> 6) & 0x3F)];
                out[o++] = BYTE_TO_CHAR[0x80 | (c & 0x3F)];
            }
        }
        return new String(out, 0, o);
    }

    /** The bytes a byte-level token string stands for; throws on a character outside the alphabet. */
    public static byte[] decode(String token) {
        byte[] out = new byte[token.length()];
        for (int i = 0; i < token.length(); i++) {
            int b = byteOf(token.charAt(i));
            if (b < 0) throw new IllegalArgumentException("character U+" + Integer.toHexString(token.charAt(i)) + " is not in the byte-level alphabet");
            out[i] = (byte) b;
        }
        return out;
    }
}
