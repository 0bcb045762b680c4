package dev.selfee.tokenizer.template;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** Jinja2's built-in filters that chat templates use, plus transformers' {@code tojson}. */
final class Filters {
    private static final Set<String> NAMES = Set.of("trim", "length", "count", "tojson", "string", "upper", "lower",
            "title", "capitalize", "first", "last", "join", "default", "d", "items", "replace", "safe", "list",
            "selectattr", "rejectattr", "select", "reject", "map", "abs", "int", "float", "reverse", "sort", "unique",
            "min", "max", "sum", "indent", "round", "dictsort", "format", "attr");

    private Filters() {
    }

    static boolean exists(String name) {
        return NAMES.contains(name);
    }

    static Object apply(String name, Object v, Args a) {
        return switch (name) {
            case "trim" -> PyValues.strip(PyValues.str(v), a.string(0, "chars", null), true, true);
            case "length", "count" -> PyValues.length(v);
            case "tojson" -> JsonDump.dumps(v, a.integer(1, "indent", null) == null ? null
                            : Math.toIntExact(a.integer(1, "indent", null)),
                    a.get(2, "separators", null) instanceof List<?> l ? l : null, a.bool(3, "sort_keys", false),
                    a.bool(0, "ensure_ascii", false));
            case "string" -> PyValues.str(v);
            case "upper" -> PyValues.str(v).toUpperCase(Locale.ROOT);
            case "lower" -> PyValues.str(v).toLowerCase(Locale.ROOT);
            case "capitalize" -> Methods.capitalize(PyValues.str(v));
            case "title" -> title(PyValues.str(v));
            case "first" -> {
                List<Object> items = PyValues.iterate(v);
                yield items.isEmpty() ? new Undefined("first item") : items.get(0);
            }
            case "last" -> {
                List<Object> items = PyValues.iterate(v);
                yield items.isEmpty() ? new Undefined("last item") : items.get(items.size() - 1);
            }
            case "join" -> {
                String sep = a.string(0, "d", "");
                Object attribute = a.get(1, "attribute", null);
                StringBuilder sb = new StringBuilder();
                boolean first = true;
                for (Object x : PyValues.iterate(v)) {
                    if (!first) sb.append(sep);
                    first = false;
                    sb.append(PyValues.str(attribute == null ? x : Renderer.getItem(x, attribute)));
                }
                yield sb.toString();
            }
            case "default", "d" -> v instanceof Undefined || (a.bool(1, "boolean", false) && !PyValues.truthy(v))
                    ? a.get(0, "default_value", "") : v;
            case "items" -> {
                if (v instanceof Undefined) yield List.of();
                if (!(v instanceof Map<?, ?> m)) throw new TemplateException("items filter: can only get item pairs from a mapping, got " + PyValues.typeName(v));
                List<Object> out = new ArrayList<>();
                m.forEach((k, x) -> out.add(new Tuple(k, x)));
                yield out;
            }
            case "replace" -> {
                String s = PyValues.str(v);
                String old = PyValues.str(a.required(0, "old")), neu = PyValues.str(a.required(1, "new"));
                Long count = a.integer(2, "count", null);
                yield Methods.replace(s, old, neu, count == null ? -1 : count);
            }
            case "safe" -> v;
            case "format" -> Methods.percentFormat(PyValues.str(v),
                    a.keywords().isEmpty() ? new Tuple(a.positional()) : new java.util.LinkedHashMap<Object, Object>(a.keywords()));
            case "attr" -> Renderer.getAttr(v, PyValues.str(a.required(0, "name")));
            case "list" -> PyValues.iterate(v);
            case "selectattr", "rejectattr" -> {
                List<Object> out = new ArrayList<>();
                if (!PyValues.truthy(v)) yield out; // Jinja2 iterates only a truthy value
                Object attribute = a.required(0, "attribute");
                for (Object x : PyValues.iterate(v)) {
                    boolean ok = testOf(a, 1, Renderer.getItem(x, attribute));
                    if (ok == name.equals("selectattr")) out.add(x);
                }
                yield out;
            }
            case "select", "reject" -> {
                List<Object> out = new ArrayList<>();
                if (!PyValues.truthy(v)) yield out; // Jinja2 iterates only a truthy value
                for (Object x : PyValues.iterate(v)) if (testOf(a, 0, x) == name.equals("select")) out.add(x);
                yield out;
            }
            case "map" -> {
                List<Object> out = new ArrayList<>();
                if (!PyValues.truthy(v)) yield out; // Jinja2 iterates only a truthy value
                Object attribute = a.keywords().get("attribute");
                for (Object x : PyValues.iterate(v)) {
                    if (attribute != null) {
                        Object y = Renderer.getItem(x, attribute);
                        out.add(y instanceof Undefined && a.keywords().containsKey("default") ? a.keywords().get("default") : y);
                    } else {
                        String filter = a.string(0, "name", null);
                        if (filter == null || !exists(filter)) throw new TemplateException("map: no filter named '" + filter + "'");
                        out.add(apply(filter, x, new Args(filter, a.positional().subList(1, a.positional().size()), Map.of())));
                    }
                }
                yield out;
            }
            case "abs" -> v instanceof Double d ? (Object) Math.abs(d) : (Object) Math.abs(PyValues.toLong(v));
            case "int" -> toInt(PyValues.defined(v), a.get(0, "default", 0L));
            case "float" -> toFloat(PyValues.defined(v), a.get(0, "default", 0.0));
            case "reverse" -> {
                if (v instanceof String s) yield new StringBuilder(s).reverse().toString();
                List<Object> items = PyValues.iterate(v);
                java.util.Collections.reverse(items);
                yield items;
            }
            case "sort" -> {
                List<Object> items = PyValues.iterate(v);
                items.sort(keyOrder(a.bool(1, "case_sensitive", false), a.get(2, "attribute", null)));
                if (a.bool(0, "reverse", false)) java.util.Collections.reverse(items);
                yield items;
            }
            case "unique" -> {
                boolean cs = a.bool(0, "case_sensitive", false);
                Object attribute = a.get(1, "attribute", null);
                List<Object> out = new ArrayList<>(), seen = new ArrayList<>();
                for (Object x : PyValues.iterate(v)) {
                    Object key = sortKey(x, cs, attribute);
                    if (seen.stream().noneMatch(s -> PyValues.equal(s, key))) {
                        seen.add(key);
                        out.add(x);
                    }
                }
                yield out;
            }
            case "min", "max" -> {
                List<Object> items = PyValues.iterate(v);
                if (items.isEmpty()) yield new Undefined(name + " of an empty sequence");
                Comparator<Object> order = keyOrder(a.bool(0, "case_sensitive", false), a.get(1, "attribute", null));
                Object best = items.get(0);
                for (Object x : items) {
                    int c = order.compare(x, best);
                    if (name.equals("min") ? c < 0 : c > 0) best = x;
                }
                yield best;
            }
            case "sum" -> {
                Object attribute = a.get(0, "attribute", null);
                Object total = a.get(1, "start", 0L);
                for (Object x : PyValues.iterate(v)) total = Renderer.arithmetic("+", total, attribute == null ? x : Renderer.getItem(x, attribute));
                yield total;
            }
            case "indent" -> indent(PyValues.str(v), a.get(0, "width", 4L), a.bool(1, "first", false), a.bool(2, "blank", false));
            case "round" -> {
                long precision = a.integer(0, "precision", 0L);
                java.math.RoundingMode mode = switch (a.string(1, "method", "common")) {
                    case "common" -> java.math.RoundingMode.HALF_EVEN; // Python's round() on the exact binary value
                    case "ceil" -> java.math.RoundingMode.CEILING;
                    case "floor" -> java.math.RoundingMode.FLOOR;
                    default -> throw new TemplateException("round: method must be common, ceil or floor");
                };
                if ((v instanceof Long || v instanceof Boolean) && mode == java.math.RoundingMode.HALF_EVEN && precision >= 0) {
                    yield PyValues.toLong(v); // round(int) is an int
                }
                yield new java.math.BigDecimal(PyValues.toDouble(v)).setScale((int) precision, mode).doubleValue();
            }
            case "dictsort" -> {
                if (!(v instanceof Map<?, ?> m)) throw new TemplateException("dictsort: expected a mapping, got " + PyValues.typeName(v));
                boolean cs = a.bool(0, "case_sensitive", false);
                int by = "value".equals(a.string(1, "by", "key")) ? 1 : 0;
                List<Object> pairs = new ArrayList<>();
                m.forEach((k, x) -> pairs.add(new Tuple(k, x)));
                pairs.sort((p, q) -> PyValues.compare(sortKey(((List<?>) p).get(by), cs, null), sortKey(((List<?>) q).get(by), cs, null)));
                if (a.bool(2, "reverse", false)) java.util.Collections.reverse(pairs);
                yield pairs;
            }
            default -> throw new TemplateException("no filter named '" + name + "'");
        };
    }

    /** Jinja2's title filter: capitalize each piece after a run of '-', whitespace or an opening bracket. */
    private static String title(String s) {
        StringBuilder sb = new StringBuilder();
        boolean wordStart = true;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean separator = c == '-' || c == '(' || c == '{' || c == '[' || c == '<' || PyValues.isSpace(c);
            sb.append(separator ? c : wordStart ? Character.toTitleCase(c) : Character.toLowerCase(c));
            wordStart = separator;
        }
        return sb.toString();
    }

    /** selectattr/select: a test name at {@code index} and its arguments after it; no test means truthiness. */
    private static boolean testOf(Args a, int index, Object value) {
        if (index >= a.positional().size()) return PyValues.truthy(value);
        String test = PyValues.str(a.positional().get(index));
        if (!Tests.exists(test)) throw new TemplateException("no test named '" + test + "'");
        return Tests.apply(test, value, a.positional().subList(index + 1, a.positional().size()));
    }

    private static Object sortKey(Object x, boolean caseSensitive, Object attribute) {
        Object k = attribute == null ? x : Renderer.getItem(x, attribute);
        return !caseSensitive && k instanceof String s ? s.toLowerCase(Locale.ROOT) : k;
    }

    private static Comparator<Object> keyOrder(boolean caseSensitive, Object attribute) {
        return (p, q) -> PyValues.compare(sortKey(p, caseSensitive, attribute), sortKey(q, caseSensitive, attribute));
    }

    private static Object toInt(Object v, Object fallback) {
        if (v instanceof Long || v instanceof Boolean) return PyValues.toLong(v);
        if (v instanceof Double d) return (long) d.doubleValue();
        if (v instanceof String s) {
            try {
                return Long.parseLong(s.strip().replace("_", ""));
            } catch (NumberFormatException e) {
                try {
                    return (long) Double.parseDouble(s.strip());
                } catch (NumberFormatException e2) {
                    return fallback;
                }
            }
        }
        return fallback;
    }

    private static Object toFloat(Object v, Object fallback) {
        if (PyValues.isNumber(v)) return PyValues.toDouble(v);
        if (v instanceof String s) {
            try {
                return Double.parseDouble(s.strip());
            } catch (NumberFormatException e) {
                return fallback;
            }
        }
        return fallback;
    }

    /** Jinja2's indent: every line but the first (unless {@code first}), blank lines only if {@code blank}. */
    private static String indent(String s, Object width, boolean first, boolean blank) {
        String pad = width instanceof String w ? w : " ".repeat((int) PyValues.toLong(width));
        List<String> lines = new ArrayList<>(List.of((s + "\n").split("\n", -1)));
        lines.remove(lines.size() - 1);
        StringBuilder rv = new StringBuilder();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (i > 0) rv.append('\n').append(blank || !line.isEmpty() ? pad : "");
            rv.append(line);
        }
        return (first ? pad : "") + rv;
    }
}
