package dev.selfee.tokenizer.template;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** The Python str/dict/list methods templates call ({@code content.startswith('x')}, {@code d.items()}, ...). */
final class Methods {
    private static final Set<String> STRING = Set.of("startswith", "endswith", "split", "rsplit", "strip", "lstrip",
            "rstrip", "upper", "lower", "replace", "title", "capitalize", "format", "find", "rfind", "count", "join",
            "splitlines", "isdigit", "isspace", "isalpha", "isalnum", "islower", "isupper");
    private static final Set<String> DICT = Set.of("items", "keys", "values", "get");
    private static final Set<String> LIST = Set.of("index", "count");

    private Methods() {
    }

    /** The method {@code name} of {@code self} as a callable, or null when Python has no such method. */
    static Callable bind(Object self, String name) {
        boolean known = switch (self) {
            case String s -> STRING.contains(name);
            case Map<?, ?> m -> DICT.contains(name);
            case List<?> l -> LIST.contains(name);
            default -> false;
        };
        return known ? (args, kwargs) -> call(self, name, new Args(name, args, kwargs)) : null;
    }

    private static Object call(Object self, String name, Args a) {
        return switch (self) {
            case String s -> string(s, name, a);
            case Map<?, ?> m -> switch (name) {
                case "items" -> {
                    List<Object> out = new ArrayList<>();
                    m.forEach((k, v) -> out.add(new Tuple(k, v)));
                    yield out;
                }
                case "keys" -> new ArrayList<Object>(m.keySet());
                case "values" -> new ArrayList<Object>(m.values());
                default -> { // get
                    Object key = a.required(0, "key");
                    yield m.containsKey(key) ? m.get(key) : a.get(1, "default", null);
                }
            };
            case List<?> l -> {
                Object x = a.required(0, "value");
                long n = l.stream().filter(y -> PyValues.equal(x, y)).count();
                if (name.equals("count")) yield n;
                for (int i = 0; i < l.size(); i++) if (PyValues.equal(l.get(i), x)) yield (long) i;
                throw new TemplateException(PyValues.repr(x) + " is not in list");
            }
            default -> throw new TemplateException("'" + PyValues.typeName(self) + "' object has no attribute '" + name + "'");
        };
    }

    private static Object string(String s, String name, Args a) {
        return switch (name) {
            case "startswith", "endswith" -> {
                Object p = a.required(0, "prefix");
                List<Object> options = p instanceof List<?> l ? new ArrayList<>(l) : List.of(p);
                boolean hit = false;
                for (Object o : options) {
                    if (!(o instanceof String x)) throw new TemplateException(name + " first arg must be str or a tuple of str, not " + PyValues.typeName(o));
                    hit |= name.equals("startswith") ? s.startsWith(x) : s.endsWith(x);
                }
                yield hit;
            }
            case "split" -> split(s, a.string(0, "sep", null), a.integer(1, "maxsplit", -1L));
            case "rsplit" -> rsplit(s, a.string(0, "sep", null), a.integer(1, "maxsplit", -1L));
            case "strip" -> PyValues.strip(s, a.string(0, "chars", null), true, true);
            case "lstrip" -> PyValues.strip(s, a.string(0, "chars", null), true, false);
            case "rstrip" -> PyValues.strip(s, a.string(0, "chars", null), false, true);
            case "upper" -> s.toUpperCase(Locale.ROOT);
            case "lower" -> s.toLowerCase(Locale.ROOT);
            case "replace" -> replace(s, PyValues.str(a.required(0, "old")), PyValues.str(a.required(1, "new")), a.integer(2, "count", -1L));
            case "title" -> title(s);
            case "capitalize" -> capitalize(s);
            case "format" -> format(s, a);
            case "find" -> (long) s.indexOf(a.string(0, "sub", ""));
            case "rfind" -> (long) s.lastIndexOf(a.string(0, "sub", ""));
            case "count" -> {
                String sub = a.string(0, "sub", "");
                if (sub.isEmpty()) yield (long) s.length() + 1;
                long n = 0;
                for (int i = s.indexOf(sub); i >= 0; i = s.indexOf(sub, i + sub.length())) n++;
                yield n;
            }
            case "join" -> {
                StringBuilder sb = new StringBuilder();
                List<Object> items = PyValues.iterate(a.required(0, "iterable"));
                for (int i = 0; i < items.size(); i++) {
                    if (!(items.get(i) instanceof String x)) throw new TemplateException("sequence item " + i + ": expected str instance, " + PyValues.typeName(items.get(i)) + " found");
                    sb.append(i > 0 ? s : "").append(x);
                }
                yield sb.toString();
            }
            case "splitlines" -> {
                List<Object> out = new ArrayList<>(Arrays.asList((Object[]) s.split("\r\n|\n|\r", -1)));
                if (!out.isEmpty() && "".equals(out.get(out.size() - 1))) out.remove(out.size() - 1);
                yield out;
            }
            case "isdigit" -> !s.isEmpty() && s.chars().allMatch(Character::isDigit);
            case "isspace" -> !s.isEmpty() && s.chars().allMatch(PyValues::isSpace);
            case "isalpha" -> !s.isEmpty() && s.chars().allMatch(Character::isLetter);
            case "isalnum" -> !s.isEmpty() && s.chars().allMatch(Character::isLetterOrDigit);
            case "islower" -> s.chars().anyMatch(Character::isLowerCase) && s.equals(s.toLowerCase(Locale.ROOT));
            case "isupper" -> s.chars().anyMatch(Character::isUpperCase) && s.equals(s.toUpperCase(Locale.ROOT));
            default -> throw new TemplateException("'str' object has no attribute '" + name + "'");
        };
    }

    static String replace(String s, String old, String neu, long count) {
        if (count < 0) return old.isEmpty() ? insertEverywhere(s, neu, Long.MAX_VALUE) : s.replace(old, neu);
        if (old.isEmpty()) return insertEverywhere(s, neu, count);
        StringBuilder sb = new StringBuilder();
        int from = 0;
        for (long n = 0; n < count; n++) {
            int i = s.indexOf(old, from);
            if (i < 0) break;
            sb.append(s, from, i).append(neu);
            from = i + old.length();
        }
        return sb.append(s.substring(from)).toString();
    }

    private static String insertEverywhere(String s, String neu, long count) {
        StringBuilder sb = new StringBuilder();
        long n = 0;
        for (int i = 0; i <= s.length(); i++) {
            if (n++ < count) sb.append(neu);
            if (i < s.length()) sb.append(s.charAt(i));
        }
        return sb.toString();
    }

    private static List<Object> split(String s, String sep, long maxsplit) {
        List<Object> out = new ArrayList<>();
        if (sep == null) {
            int i = 0, n = s.length();
            while (true) {
                while (i < n && PyValues.isSpace(s.charAt(i))) i++;
                if (i >= n) break;
                if (maxsplit >= 0 && out.size() >= maxsplit) {
                    out.add(PyValues.strip(s.substring(i), null, false, true));
                    break;
                }
                int j = i;
                while (j < n && !PyValues.isSpace(s.charAt(j))) j++;
                out.add(s.substring(i, j));
                i = j;
            }
            return out;
        }
        if (sep.isEmpty()) throw new TemplateException("empty separator");
        int from = 0;
        while (maxsplit < 0 || out.size() < maxsplit) {
            int i = s.indexOf(sep, from);
            if (i < 0) break;
            out.add(s.substring(from, i));
            from = i + sep.length();
        }
        out.add(s.substring(from));
        return out;
    }

    private static List<Object> rsplit(String s, String sep, long maxsplit) {
        if (maxsplit < 0) return split(s, sep, maxsplit);
        if (sep == null) {
            List<Object> out = new ArrayList<>();
            int j = s.length();
            while (true) {
                while (j > 0 && PyValues.isSpace(s.charAt(j - 1))) j--;
                if (j <= 0) break;
                if (out.size() >= maxsplit) {
                    out.add(0, PyValues.strip(s.substring(0, j), null, true, false));
                    break;
                }
                int i = j;
                while (i > 0 && !PyValues.isSpace(s.charAt(i - 1))) i--;
                out.add(0, s.substring(i, j));
                j = i;
            }
            return out;
        }
        if (sep.isEmpty()) throw new TemplateException("empty separator");
        List<Object> out = new ArrayList<>();
        int end = s.length();
        while (out.size() < maxsplit) {
            int i = s.lastIndexOf(sep, end - sep.length());
            if (i < 0) break;
            out.add(0, s.substring(i + sep.length(), end));
            end = i;
        }
        out.add(0, s.substring(0, end));
        return out;
    }

    static String capitalize(String s) {
        if (s.isEmpty()) return s;
        int first = s.codePointAt(0);
        int n = Character.charCount(first);
        return new String(Character.toChars(Character.toTitleCase(first))) + s.substring(n).toLowerCase(Locale.ROOT);
    }

    /** Jinja2's title filter and str.title agree for ordinary text: upper-case each word start, lower the rest. */
    static String title(String s) {
        StringBuilder sb = new StringBuilder();
        boolean prevLetter = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            sb.append(prevLetter ? Character.toLowerCase(c) : Character.toTitleCase(c));
            prevLetter = Character.isLetter(c);
        }
        return sb.toString();
    }

    /** str.format with {} / {0} / {name} fields (no format specs). */
    private static String format(String s, Args a) {
        StringBuilder sb = new StringBuilder();
        int auto = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '{' && i + 1 < s.length() && s.charAt(i + 1) == '{') {
                sb.append('{');
                i++;
            } else if (c == '}' && i + 1 < s.length() && s.charAt(i + 1) == '}') {
                sb.append('}');
                i++;
            } else if (c == '{') {
                int close = s.indexOf('}', i);
                if (close < 0) throw new TemplateException("Single '{' encountered in format string");
                String field = s.substring(i + 1, close);
                Object v;
                if (field.isEmpty()) v = a.required(auto++, "argument " + (auto - 1));
                else if (field.chars().allMatch(Character::isDigit)) v = a.required(Integer.parseInt(field), "argument " + field);
                else if (a.keywords().containsKey(field)) v = a.keywords().get(field);
                else throw new TemplateException("format: missing argument '" + field + "'");
                sb.append(PyValues.str(v));
                i = close;
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    /** Python's {@code format % args} for the conversions templates use: %s %r %d %i %f (with precision) %x %%. */
    static String percentFormat(String format, Object args) {
        // a tuple supplies one value per conversion; anything else is one value
        List<Object> values = args instanceof Tuple t ? new ArrayList<>(t) : java.util.Collections.singletonList(args);
        // Python treats an argument with __getitem__ (not a tuple or str) as a mapping: leftovers are no error
        boolean mapping = !(args instanceof Tuple) && (args instanceof Map<?, ?> || args instanceof List<?> || args instanceof Undefined);
        StringBuilder sb = new StringBuilder();
        int next = 0;
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if (c != '%') {
                sb.append(c);
                continue;
            }
            int j = i + 1;
            while (j < format.length() && "0123456789.-+ ".indexOf(format.charAt(j)) >= 0) j++;
            if (j >= format.length()) throw new TemplateException("incomplete format");
            String spec = format.substring(i + 1, j);
            char conv = format.charAt(j);
            i = j;
            if (conv == '%') {
                sb.append('%');
                continue;
            }
            if (next >= values.size()) throw new TemplateException("not enough arguments for format string");
            Object v = values.get(next++);
            String body = switch (conv) {
                case 's' -> PyValues.str(v);
                case 'r' -> PyValues.repr(v);
                case 'd', 'i' -> Long.toString(v instanceof Double d ? (long) d.doubleValue() : PyValues.toLong(v));
                case 'x' -> Long.toHexString(PyValues.toLong(v));
                case 'f' -> {
                    int dot = spec.indexOf('.');
                    int precision = dot >= 0 ? Integer.parseInt(spec.substring(dot + 1).isEmpty() ? "0" : spec.substring(dot + 1)) : 6;
                    spec = dot >= 0 ? spec.substring(0, dot) : spec;
                    yield new java.math.BigDecimal(PyValues.toDouble(v)).setScale(precision, java.math.RoundingMode.HALF_EVEN).toPlainString();
                }
                default -> throw new TemplateException("unsupported format character '" + conv + "'");
            };
            String width = spec.replaceAll("[^0-9]", "");
            int w = width.isEmpty() ? 0 : Integer.parseInt(width);
            boolean left = spec.contains("-");
            while (body.length() < w) body = left ? body + " " : (spec.startsWith("0") && conv != 's' ? "0" : " ") + body;
            sb.append(body);
        }
        if (next < values.size() && !mapping) {
            throw new TemplateException("not all arguments converted during string formatting");
        }
        return sb.toString();
    }
}
