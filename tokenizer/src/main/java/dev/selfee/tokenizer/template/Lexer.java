package dev.selfee.tokenizer.template;

import dev.selfee.tokenizer.template.Token.Kind;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Splits a template into text and tag tokens with Jinja2's whitespace rules as transformers configures
 * them: {@code trim_blocks} (drop the first newline after a block or comment tag), {@code lstrip_blocks}
 * (drop spaces and tabs before a block or comment tag that starts its line), {@code -} on either side
 * of a tag (strip all adjacent whitespace), {@code +} (keep it), and no trailing newline kept.
 */
final class Lexer {
    private static final String[] OPERATORS = {
        "//", "**", "==", "!=", "<=", ">=", "+", "-", "*", "/", "%", "~", "(", ")", "[", "]", "{", "}",
        ",", ".", ":", "|", "=", "<", ">"
    };

    private static final Pattern RAW_BEGIN = Pattern.compile("\\{%[-+]?\\s*raw\\s*(-?)%}");
    private static final Pattern RAW_END = Pattern.compile("\\{%([-+]?)\\s*endraw\\s*([-+]?)%}");

    private final String src;
    private final List<Token> out = new ArrayList<>();
    private int pos;
    private int line = 1;
    private int lineStart;

    private Lexer(String src) {
        this.src = src;
    }

    static List<Token> tokenize(String source) {
        String s = source.replace("\r\n", "\n").replace('\r', '\n');
        if (s.endsWith("\n")) s = s.substring(0, s.length() - 1); // keep_trailing_newline=False
        Lexer lx = new Lexer(s);
        lx.run();
        return lx.out;
    }

    private void run() {
        boolean lineStarting = true;
        while (pos < src.length()) {
            int tag = nextTagStart(pos);
            if (tag < 0) {
                emitText(src.substring(pos), pos);
                advanceTo(src.length());
                break;
            }
            char kind = src.charAt(tag + 1);
            char sign = tag + 2 < src.length() ? src.charAt(tag + 2) : 0;
            String text = src.substring(pos, tag);
            if (sign == '-') {
                text = stripTrailingWhitespace(text);
            } else if (sign != '+' && kind != '{') {
                int lpos = text.lastIndexOf('\n') + 1;
                if ((lpos > 0 || lineStarting) && isBlank(text, lpos)) text = text.substring(0, lpos);
            }
            emitText(text, pos);
            advanceTo(tag);
            int tagLine = line, tagCol = tag - lineStart + 1;
            int bodyStart = tag + 2 + (sign == '-' || sign == '+' ? 1 : 0);
            advanceTo(bodyStart);
            Matcher raw = RAW_BEGIN.matcher(src).region(tag, src.length());
            if (kind == '%' && raw.lookingAt()) {
                lineStarting = rawBlock(raw, tagLine, tagCol);
                continue;
            }
            int end = switch (kind) {
                case '#' -> comment(tagLine, tagCol);
                case '%' -> expressionTag(Kind.BLOCK_BEGIN, Kind.BLOCK_END, '%', tagLine, tagCol);
                default -> expressionTag(Kind.VAR_BEGIN, Kind.VAR_END, '}', tagLine, tagCol);
            };
            lineStarting = end > 0 && src.charAt(end - 1) == '\n';
        }
        out.add(new Token(Kind.EOF, "", null, line, pos - lineStart + 1));
    }

    private int nextTagStart(int from) {
        int i = from;
        while (true) {
            i = src.indexOf('{', i);
            if (i < 0 || i + 1 >= src.length()) return -1;
            char c = src.charAt(i + 1);
            if (c == '{' || c == '%' || c == '#') return i;
            i++;
        }
    }

    /**
     * {@code {% raw %}...{% endraw %}}: the text between is literal. As in Jinja2, no newline is trimmed
     * after the opening tag, while the closing tag strips and trims like any block tag.
     */
    private boolean rawBlock(Matcher begin, int tagLine, int tagCol) {
        int bodyStart = begin.end();
        if (begin.group(1).equals("-")) while (bodyStart < src.length() && PyValues.isSpace(src.charAt(bodyStart))) bodyStart++;
        Matcher end = RAW_END.matcher(src);
        if (!end.find(bodyStart)) throw new TemplateException("missing {% endraw %}", tagLine, tagCol);
        String text = src.substring(bodyStart, end.start());
        String sign = end.group(1);
        if (sign.equals("-")) {
            text = stripTrailingWhitespace(text);
        } else if (!sign.equals("+")) {
            int lpos = text.lastIndexOf('\n') + 1;
            if (lpos > 0 && isBlank(text, lpos)) text = text.substring(0, lpos);
        }
        emitText(text, bodyStart);
        advanceTo(end.end());
        afterTag(end.group(2).isEmpty() ? (char) 0 : end.group(2).charAt(0), true);
        return pos > 0 && src.charAt(pos - 1) == '\n';
    }

    /** Consumes a comment through its closing tag and the whitespace it controls; returns the end offset. */
    private int comment(int tagLine, int tagCol) {
        int close = src.indexOf("#}", pos);
        if (close < 0) throw new TemplateException("missing end of comment tag", tagLine, tagCol);
        char before = close > pos ? src.charAt(close - 1) : 0;
        advanceTo(close + 2);
        afterTag(before, true);
        return pos;
    }

    /** Lexes {@code {% ... %}} or {@code {{ ... }}}: the expression tokens, then the closing delimiter. */
    private int expressionTag(Kind begin, Kind end, char closeChar, int tagLine, int tagCol) {
        out.add(new Token(begin, begin == Kind.BLOCK_BEGIN ? "{%" : "{{", null, tagLine, tagCol));
        int braces = 0;
        while (true) {
            skipSpaces();
            if (pos >= src.length()) {
                throw new TemplateException("unexpected end of template, expected '" + closeChar + "}'", tagLine, tagCol);
            }
            char c = src.charAt(pos);
            int col = pos - lineStart + 1;
            if (braces == 0 && (c == '-' || c == '+') && src.startsWith(closeChar + "}", pos + 1)) {
                advanceTo(pos + 3);
                out.add(new Token(end, closeChar + "}", null, line, col));
                afterTag(c, begin == Kind.BLOCK_BEGIN);
                return pos;
            }
            if (braces == 0 && c == closeChar && src.startsWith("}", pos + 1)) {
                advanceTo(pos + 2);
                out.add(new Token(end, closeChar + "}", null, line, col));
                afterTag((char) 0, begin == Kind.BLOCK_BEGIN);
                return pos;
            }
            if (Character.isLetter(c) || c == '_') {
                int s = pos;
                while (pos < src.length() && (Character.isLetterOrDigit(src.charAt(pos)) || src.charAt(pos) == '_')) pos++;
                out.add(new Token(Kind.NAME, src.substring(s, pos), null, line, col));
            } else if (Character.isDigit(c)) {
                number(col);
            } else if (c == '\'' || c == '"') {
                string(c, col);
            } else {
                String op = null;
                for (String o : OPERATORS) if (src.startsWith(o, pos)) { op = o; break; }
                if (op == null) throw new TemplateException("unexpected character '" + c + "'", line, col);
                if (op.equals("{")) braces++;
                if (op.equals("}")) braces--;
                out.add(new Token(Kind.OPERATOR, op, null, line, col));
                advanceTo(pos + op.length());
            }
        }
    }

    /** Whitespace after a closing tag: '-' strips all of it, a block/comment tag drops one newline. */
    private void afterTag(char sign, boolean block) {
        if (sign == '-') {
            int i = pos;
            while (i < src.length() && PyValues.isSpace(src.charAt(i))) i++;
            advanceTo(i);
        } else if (sign != '+' && block && pos < src.length() && src.charAt(pos) == '\n') {
            advanceTo(pos + 1);
        }
    }

    private void number(int col) {
        int s = pos;
        while (pos < src.length() && (Character.isDigit(src.charAt(pos)) || src.charAt(pos) == '_')) pos++;
        boolean isFloat = false;
        if (pos + 1 < src.length() && src.charAt(pos) == '.' && Character.isDigit(src.charAt(pos + 1))) {
            isFloat = true;
            pos++;
            while (pos < src.length() && (Character.isDigit(src.charAt(pos)) || src.charAt(pos) == '_')) pos++;
        }
        if (pos < src.length() && (src.charAt(pos) == 'e' || src.charAt(pos) == 'E')) {
            int save = pos;
            pos++;
            if (pos < src.length() && (src.charAt(pos) == '+' || src.charAt(pos) == '-')) pos++;
            if (pos < src.length() && Character.isDigit(src.charAt(pos))) {
                isFloat = true;
                while (pos < src.length() && Character.isDigit(src.charAt(pos))) pos++;
            } else {
                pos = save;
            }
        }
        String text = src.substring(s, pos).replace("_", "");
        Object v = isFloat ? (Object) Double.parseDouble(text) : (Object) Long.parseLong(text);
        out.add(new Token(isFloat ? Kind.FLOAT : Kind.INTEGER, text, v, line, col));
    }

    /** A Python string literal with backslash escapes. */
    private void string(char quote, int col) {
        int startLine = line;
        StringBuilder sb = new StringBuilder();
        int i = pos + 1;
        while (true) {
            if (i >= src.length()) throw new TemplateException("unterminated string literal", startLine, col);
            char c = src.charAt(i);
            if (c == quote) break;
            if (c == '\\' && i + 1 < src.length()) {
                char e = src.charAt(i + 1);
                i += 2;
                switch (e) {
                    case 'n' -> sb.append('\n');
                    case 't' -> sb.append('\t');
                    case 'r' -> sb.append('\r');
                    case 'b' -> sb.append('\b');
                    case 'f' -> sb.append('\f');
                    case 'v' -> sb.append('\u000b');
                    case 'a' -> sb.append('\u0007');
                    case '0' -> sb.append('\0');
                    case '\\', '\'', '"' -> sb.append(e);
                    case '\n' -> { }
                    case 'x' -> { sb.append((char) Integer.parseInt(src.substring(i, i + 2), 16)); i += 2; }
                    case 'u' -> { sb.append((char) Integer.parseInt(src.substring(i, i + 4), 16)); i += 4; }
                    case 'U' -> { sb.appendCodePoint(Integer.parseInt(src.substring(i, i + 8), 16)); i += 8; }
                    default -> sb.append('\\').append(e);
                }
                continue;
            }
            sb.append(c);
            i++;
        }
        String raw = src.substring(pos, i + 1);
        advanceTo(i + 1);
        out.add(new Token(Kind.STRING, raw, sb.toString(), startLine, col));
    }

    private void skipSpaces() {
        int i = pos;
        while (i < src.length() && PyValues.isSpace(src.charAt(i))) i++;
        advanceTo(i);
    }

    /** Moves to {@code to}, keeping the line count used in error positions. */
    private void advanceTo(int to) {
        for (int i = pos; i < to; i++) {
            if (src.charAt(i) == '\n') {
                line++;
                lineStart = i + 1;
            }
        }
        pos = to;
    }

    private void emitText(String text, int at) {
        if (!text.isEmpty()) out.add(new Token(Kind.TEXT, text, text, line, at - lineStart + 1));
    }

    private static String stripTrailingWhitespace(String s) {
        int e = s.length();
        while (e > 0 && PyValues.isSpace(s.charAt(e - 1))) e--;
        return s.substring(0, e);
    }

    private static boolean isBlank(String s, int from) {
        for (int i = from; i < s.length(); i++) if (s.charAt(i) != ' ' && s.charAt(i) != '\t') return false;
        return true;
    }
}
