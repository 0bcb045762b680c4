package dev.selfee.tokenizer.template;

import java.util.List;
import java.util.Map;

/** Python-style argument binding for filters, tests and methods: by position or by keyword. */
record Args(String function, List<Object> positional, Map<String, Object> keywords) {
    private static final Object MISSING = new Object();

    Object get(int index, String name, Object fallback) {
        if (index < positional.size()) return positional.get(index);
        if (keywords.containsKey(name)) return keywords.get(name);
        return fallback;
    }

    Object required(int index, String name) {
        Object v = get(index, name, MISSING);
        if (v == MISSING) throw new TemplateException(function + "() missing required argument '" + name + "'");
        return v;
    }

    String string(int index, String name, String fallback) {
        Object v = get(index, name, fallback);
        if (v == null || v instanceof Undefined) return fallback;
        if (!(v instanceof String s)) {
            throw new TemplateException(function + "() argument '" + name + "' must be str, not " + PyValues.typeName(v));
        }
        return s;
    }

    boolean bool(int index, String name, boolean fallback) {
        return PyValues.truthy(get(index, name, fallback));
    }

    Long integer(int index, String name, Long fallback) {
        Object v = get(index, name, fallback);
        if (v == null) return null;
        if (!(v instanceof Long || v instanceof Boolean)) {
            throw new TemplateException(function + "() argument '" + name + "' must be int, not " + PyValues.typeName(v));
        }
        return PyValues.toLong(v);
    }
}
