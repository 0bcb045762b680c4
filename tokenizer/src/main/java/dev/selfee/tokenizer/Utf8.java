package dev.selfee.tokenizer;

/** UTF-8 decoding exactly as Rust's {@code String::from_utf8_lossy}: each maximal invalid subpart becomes one U+FFFD. */
final class Utf8 {
    private Utf8() {}

    static String decodeLossy(byte[] b, int len) {
        StringBuilder sb = new StringBuilder(len);
        decode(b, len, sb);
        return sb.toString();
    }

    /** The text of {@code b[0..len)}, or null when it is not valid UTF-8 (Rust's {@code String::from_utf8} failing). */
    static String decodeStrict(byte[] b, int len) {
        StringBuilder sb = new StringBuilder(len);
        return decode(b, len, sb) ? sb.toString() : null;
    }

    /** Appends the lossy decoding; returns whether the bytes were valid. */
    private static boolean decode(byte[] b, int len, StringBuilder sb) {
        boolean valid = true;
        int i = 0;
        while (i < len) {
            int c = b[i] & 0xFF;
            if (c < 0x80) {
                sb.append((char) c);
                i++;
                continue;
            }
            int need, lo = 0x80, hi = 0xBF;
            if (c >= 0xC2 && c <= 0xDF) need = 1;
            else if (c >= 0xE0 && c <= 0xEF) {
                need = 2;
                if (c == 0xE0) lo = 0xA0;
                else if (c == 0xED) hi = 0x9F;
            } else if (c >= 0xF0 && c <= 0xF4) {
                need = 3;
                if (c == 0xF0) lo = 0x90;
                else if (c == 0xF4) hi = 0x8F;
            } else {
                sb.append('\uFFFD');
                valid = false;
                i++;
                continue;
            }
            int cp = c & (0x3F >> need), j = i + 1, got = 0;
            while (got < need && j < len) {
                int d = b[j] & 0xFF;
                if (d < (got == 0 ? lo : 0x80) || d > (got == 0 ? hi : 0xBF)) break;
                cp = (cp << 6) | (d & 0x3F);
                j++;
                got++;
            }
            if (got == need) {
                sb.appendCodePoint(cp);
            } else {
                sb.append('\uFFFD');
                valid = false;
            }
            i = j;
        }
        return valid;
    }
}
