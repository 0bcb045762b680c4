package dev.selfee.tokenizer;

import java.util.ArrayList;
import java.util.List;

/** A tokenizer.json {@code decoder}: turns the token strings of some ids back into text, step by step as HF chains them. */
sealed interface Decoder {
    List<String> decodeChain(List<String> tokens);

    default String decode(List<String> tokens) {
        return String.join("", decodeChain(tokens));
    }

    /** GPT-2's: each character back to its byte; a token with characters outside the alphabet contributes its own UTF-8. */
    record ByteLevel() implements Decoder {
        public List<String> decodeChain(List<String> tokens) {
            byte[] buf = new byte[64];
            int n = 0;
            for (String t : tokens) {
                byte[] raw = null;
                for (int i = 0; i < t.length(); i++) {
                    if (ByteLevelAlphabet.byteOf(t.charAt(i)) < 0) {
                        raw = t.getBytes(java.nio.charset.StandardCharsets.UTF_8);
                        break;
                    }
                }
                int need = raw != null ? raw.length : t.length();
                if (n + need > buf.length) buf = java.util.Arrays.copyOf(buf, Math.max(buf.length * 2, n + need));
                if (raw != null) {
                    System.arraycopy(raw, 0, buf, n, raw.length);
                    n += raw.length;
                } else {
                    for (int i = 0; i < t.length(); i++) buf[n++] = (byte) ByteLevelAlphabet.byteOf(t.charAt(i));
                }
            }
            return List.of(Utf8.decodeLossy(buf, n));
        }
    }

    record Replace(TextPattern pattern, String content) implements Decoder {
        public List<String> decodeChain(List<String> tokens) {
            List<String> out = new ArrayList<>(tokens.size());
            for (String t : tokens) out.add(pattern.replaceAll(t, content));
            return out;
        }
    }

    /** Runs of {@code <0xNN>} tokens become their text if valid UTF-8, else one U+FFFD per byte. */
    record ByteFallback() implements Decoder {
        public List<String> decodeChain(List<String> tokens) {
            List<String> out = new ArrayList<>(tokens.size());
            byte[] bytes = new byte[16];
            int n = 0;
            for (String t : tokens) {
                int b = byteToken(t);
                if (b >= 0) {
                    if (n == bytes.length) bytes = java.util.Arrays.copyOf(bytes, n * 2);
                    bytes[n++] = (byte) b;
                    continue;
                }
                flush(bytes, n, out);
                n = 0;
                out.add(t);
            }
            flush(bytes, n, out);
            return out;
        }

        private static void flush(byte[] bytes, int n, List<String> out) {
            if (n == 0) return;
            String s = Utf8.decodeStrict(bytes, n);
            if (s != null) out.add(s);
            else for (int i = 0; i < n; i++) out.add("\uFFFD");
        }

        /** The byte of a {@code <0xNN>} token (Rust's {@code u8::from_str_radix} on NN, which allows a leading '+'), or -1. */
        private static int byteToken(String t) {
            if (t.length() != 6 || !t.startsWith("<0x") || t.charAt(5) != '>') return -1;
            char a = t.charAt(3), b = t.charAt(4);
            int lo = Character.digit(b, 16);
            if (lo < 0 || b > 0x7F) return -1;
            if (a == '+') return lo;
            int hi = Character.digit(a, 16);
            return hi < 0 || a > 0x7F ? -1 : hi * 16 + lo;
        }
    }

    /** Joins all tokens into one. */
    record Fuse() implements Decoder {
        public List<String> decodeChain(List<String> tokens) {
            return List.of(String.join("", tokens));
        }
    }

    /** Removes up to {@code start} leading and {@code stop} trailing {@code content} characters from each token. */
    record Strip(int content, int start, int stop) implements Decoder {
        public List<String> decodeChain(List<String> tokens) {
            List<String> out = new ArrayList<>(tokens.size());
            for (String t : tokens) {
                int[] cps = t.codePoints().toArray();
                int a = 0;
                while (a < start && a < cps.length && cps[a] == content) a++;
                int b = cps.length;
                for (int i = 0; i < stop && b > a && cps[b - 1] == content; i++) b--;
                out.add(new String(cps, a, b - a));
            }
            return out;
        }
    }

    /** The replacement character back to spaces; in the first token it is dropped unless the scheme is "never". */
    record Metaspace(char replacement, boolean prepends) implements Decoder {
        public List<String> decodeChain(List<String> tokens) {
            List<String> out = new ArrayList<>(tokens.size());
            for (int i = 0; i < tokens.size(); i++) {
                String t = tokens.get(i);
                out.add(i == 0 && prepends ? t.replace(String.valueOf(replacement), "") : t.replace(replacement, ' '));
            }
            return out;
        }
    }

    record Sequence(List<Decoder> decoders) implements Decoder {
        public List<String> decodeChain(List<String> tokens) {
            for (Decoder d : decoders) tokens = d.decodeChain(tokens);
            return tokens;
        }
    }
}
