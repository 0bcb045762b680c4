package dev.selfee.tokenizer.template;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** Jinja2's built-in tests ({@code x is defined}, {@code x is string}, ...). */
final class Tests {
    private static final Set<String> NAMES = Set.of("defined", "undefined", "none", "string", "number", "integer",
            "float", "boolean", "true", "false", "mapping", "iterable", "sequence", "callable", "equalto", "eq", "==",
            "ne", "!=", "lt", "<", "lessthan", "le", "<=", "gt", ">", "greaterthan", "ge", ">=", "in", "sameas",
            "divisibleby", "odd", "even", "lower", "upper");

    private Tests() {
    }

    static boolean exists(String name) {
        return NAMES.contains(name);
    }

    static boolean apply(String name, Object v, List<Object> args) {
        return switch (name) {
            case "defined" -> !(v instanceof Undefined);
            case "undefined" -> v instanceof Undefined;
            case "none" -> v == null;
            case "string" -> v instanceof String;
            case "number" -> v instanceof Long || v instanceof Double || v instanceof Boolean;
            case "integer" -> v instanceof Long;
            case "float" -> v instanceof Double;
            case "boolean" -> v instanceof Boolean;
            case "true" -> Boolean.TRUE.equals(v);
            case "false" -> Boolean.FALSE.equals(v);
            case "mapping" -> v instanceof Map<?, ?>;
            case "iterable" -> v instanceof String || v instanceof List<?> || v instanceof Map<?, ?> || v instanceof Undefined;
            case "sequence" -> v instanceof String || v instanceof List<?> || v instanceof Map<?, ?> || v instanceof Undefined;
            case "callable" -> v instanceof Callable;
            case "equalto", "eq", "==" -> PyValues.equal(v, arg(name, args));
            case "ne", "!=" -> !PyValues.equal(v, arg(name, args));
            case "lt", "<", "lessthan" -> PyValues.compare(v, arg(name, args)) < 0;
            case "le", "<=" -> PyValues.compare(v, arg(name, args)) <= 0;
            case "gt", ">", "greaterthan" -> PyValues.compare(v, arg(name, args)) > 0;
            case "ge", ">=" -> PyValues.compare(v, arg(name, args)) >= 0;
            case "in" -> PyValues.contains(arg(name, args), v);
            case "sameas" -> {
                Object o = arg(name, args);
                yield v == o || (v instanceof Boolean && v.equals(o));
            }
            case "divisibleby" -> PyValues.equal(Renderer.arithmetic("%", number(v), number(arg(name, args))), 0L);
            case "odd" -> PyValues.equal(Renderer.arithmetic("%", number(v), 2L), 1L);
            case "even" -> PyValues.equal(Renderer.arithmetic("%", number(v), 2L), 0L);
            case "lower" -> PyValues.str(v).equals(PyValues.str(v).toLowerCase(Locale.ROOT));
            case "upper" -> PyValues.str(v).equals(PyValues.str(v).toUpperCase(Locale.ROOT));
            default -> throw new TemplateException("no test named '" + name + "'");
        };
    }

    /** Python's % on a non-number is string formatting or a TypeError; these tests need numbers. */
    private static Object number(Object v) {
        if (!PyValues.isNumber(v)) PyValues.toLong(v); // throws the error naming the type
        return v;
    }

    private static Object arg(String test, List<Object> args) {
        if (args.isEmpty()) throw new TemplateException("test '" + test + "' needs an argument");
        return args.get(0);
    }
}
