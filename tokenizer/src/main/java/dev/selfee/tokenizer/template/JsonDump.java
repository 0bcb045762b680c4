package dev.selfee.tokenizer.template;

import java.util.List;
import java.util.Map;

/**
 * Python's {@code json.dumps(x, ensure_ascii=False, indent=..., separators=..., sort_keys=...)}, which
 * transformers installs as the templates' {@code tojson} filter.
 */
final class JsonDump {
    private final Integer indent;
    private final String itemSep;
    private final String keySep;
    private final boolean sortKeys;
    private final boolean ensureAscii;
    private final StringBuilder out = new StringBuilder();

    private JsonDump(Integer indent, String itemSep, String keySep, boolean sortKeys, boolean ensureAscii) {
        this.indent = indent;
        this.itemSep = itemSep;
        this.keySep = keySep;
        this.sortKeys = sortKeys;
        this.ensureAscii = ensureAscii;
    }

    /** {@code separators} null means Python's default: (", ", ": ") without indent, (",", ": ") with it. */
    static String dumps(Object value, Integer indent, List<?> separators, boolean sortKeys, boolean ensureAscii) {
        String itemSep = indent == null ? ", " : ",";
        String keySep = ": ";
        if (separators != null) {
            if (separators.size() != 2) throw new TemplateException("tojson: separators must be a pair");
            itemSep = PyValues.str(separators.get(0));
            keySep = PyValues.str(separators.get(1));
        }
        JsonDump d = new JsonDump(indent, itemSep, keySep, sortKeys, ensureAscii);
        d.write(value, 0);
        return d.out.toString();
    }

    private void write(Object v, int depth) {
        switch (v) {
            case null -> out.append("null");
            case Boolean b -> out.append(b ? "true" : "false");
            case Long l -> out.append(l);
            case Double d -> out.append(Double.isNaN(d) ? "NaN" : Double.isInfinite(d) ? (d > 0 ? "Infinity" : "-Infinity")
                    : PyValues.floatRepr(d));
            case String s -> string(s);
            case List<?> l -> {
                if (l.isEmpty()) {
                    out.append("[]");
                    return;
                }
                out.append('[');
                for (int i = 0; i < l.size(); i++) {
                    if (i > 0) out.append(itemSep);
                    newline(depth + 1);
                    write(l.get(i), depth + 1);
                }
                newline(depth);
                out.append(']');
            }
            case Map<?, ?> m -> {
                if (m.isEmpty()) {
                    out.append("{}");
                    return;
                }
                List<? extends Map.Entry<?, ?>> entries = List.copyOf(m.entrySet());
                if (sortKeys) entries = entries.stream().sorted((a, b) -> PyValues.compare(a.getKey(), b.getKey())).toList();
                out.append('{');
                boolean first = true;
                for (Map.Entry<?, ?> e : entries) {
                    if (!first) out.append(itemSep);
                    first = false;
                    newline(depth + 1);
                    Object k = e.getKey();
                    string(k instanceof String s ? s : k instanceof Double dk ? PyValues.floatRepr(dk)
                            : k == null ? "null" : k instanceof Boolean bk ? (bk ? "true" : "false") : PyValues.str(k));
                    out.append(keySep);
                    write(e.getValue(), depth + 1);
                }
                newline(depth);
                out.append('}');
            }
            case Namespace n -> write(n.attributes, depth);
            default -> throw new TemplateException("Object of type " + PyValues.typeName(v) + " is not JSON serializable");
        }
    }

    private void newline(int depth) {
        if (indent == null) return;
        out.append('\n');
        out.append(" ".repeat(indent * depth));
    }

    private void string(String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20 || (ensureAscii && c > 0x7e)) out.append(String.format("\\u%04x", (int) c));
                    else out.append(c);
                }
            }
        }
        out.append('"');
    }
}
