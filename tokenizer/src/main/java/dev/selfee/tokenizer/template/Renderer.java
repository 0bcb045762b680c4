package dev.selfee.tokenizer.template;

import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Executes a parsed template with Jinja2's semantics: a {@code for} body gets its own scope (so plain
 * {@code set} inside a loop does not leak out, which is why templates use {@code namespace()}), {@code if}
 * does not; undefined names are {@link Undefined}.
 */
final class Renderer {
    private enum Flow { NORMAL, BREAK, CONTINUE }

    /** A variable scope: the template's top level, a loop iteration, or a macro call. */
    private static final class Scope {
        final Map<String, Object> vars = new HashMap<>();
        final Scope parent;

        Scope(Scope parent) {
            this.parent = parent;
        }

        Object lookup(String name) {
            for (Scope s = this; s != null; s = s.parent) if (s.vars.containsKey(name)) return s.vars.get(name);
            return new Undefined(name);
        }
    }

    private final Supplier<LocalDateTime> clock;
    private final StringBuilder output = new StringBuilder();
    private final List<RenderedChat.Span> generationSpans = new ArrayList<>();

    Renderer(Supplier<LocalDateTime> clock) {
        this.clock = clock;
    }

    RenderedChat render(List<Node> template, Map<String, Object> context) {
        Scope root = new Scope(null);
        root.vars.put("raise_exception", (Callable) (args, kw) -> {
            throw new TemplateException(args.isEmpty() ? "" : PyValues.str(args.get(0)));
        });
        root.vars.put("strftime_now", (Callable) (args, kw) ->
                Strftime.format(clock.get(), PyValues.str(new Args("strftime_now", args, kw).required(0, "format"))));
        root.vars.put("namespace", (Callable) (args, kw) -> {
            Namespace ns = new Namespace();
            for (Object a : args) {
                if (!(a instanceof Map<?, ?> m)) throw new TemplateException("namespace() takes mappings or keyword arguments");
                m.forEach((k, v) -> ns.attributes.put(PyValues.str(k), v));
            }
            ns.attributes.putAll(kw);
            return ns;
        });
        root.vars.put("range", (Callable) (args, kw) -> range(new Args("range", args, kw)));
        root.vars.put("dict", (Callable) (args, kw) -> {
            Map<Object, Object> d = new LinkedHashMap<>();
            for (Object a : args) if (a instanceof Map<?, ?> m) d.putAll(m);
            d.putAll(kw);
            return d;
        });
        context.forEach((k, v) -> root.vars.put(k, PyValues.fromJava(v)));
        run(template, root, output);
        return new RenderedChat(output.toString(), List.copyOf(generationSpans));
    }

    // ---- statements

    private Flow run(List<Node> nodes, Scope scope, StringBuilder out) {
        for (Node n : nodes) {
            Flow f = run(n, scope, out);
            if (f != Flow.NORMAL) return f;
        }
        return Flow.NORMAL;
    }

    private Flow run(Node node, Scope scope, StringBuilder out) {
        switch (node) {
            case Node.Text t -> out.append(t.text());
            case Node.Output o -> out.append(PyValues.str(eval(o.expr(), scope)));
            case Node.If f -> {
                for (int i = 0; i < f.tests().size(); i++) {
                    if (PyValues.truthy(eval(f.tests().get(i), scope))) return run(f.bodies().get(i), scope, out);
                }
                return run(f.otherwise(), scope, out);
            }
            case Node.For f -> runFor(f, scope, out);
            case Node.Set s -> {
                Object v = eval(s.value(), scope);
                if (s.attribute() != null) {
                    Object target = scope.lookup(s.targets().get(0));
                    if (!(target instanceof Namespace ns)) {
                        throw new TemplateException("cannot assign attribute on non-namespace object", s.line(), s.column());
                    }
                    ns.attributes.put(s.attribute(), v);
                } else {
                    assign(scope, s.targets(), v, s.line(), s.column());
                }
            }
            case Node.SetBlock s -> {
                StringBuilder captured = new StringBuilder();
                run(s.body(), scope, captured);
                scope.vars.put(s.target(), captured.toString());
            }
            case Node.Macro m -> scope.vars.put(m.name(), macro(m, scope));
            case Node.CallBlock c -> {
                Expr.Call call = c.call();
                Object callee = eval(call.callee(), scope);
                if (!(callee instanceof Callable f)) throw at(call, "'" + PyValues.typeName(callee) + "' object is not callable");
                List<Object> args = new ArrayList<>();
                for (Expr x : call.args()) args.add(eval(x, scope));
                Map<String, Object> kw = keywords(call.kwNames(), call.kwValues(), scope);
                kw.put("caller", macro(c.caller(), scope));
                out.append(PyValues.str(withPosition(call, () -> f.call(args, kw))));
            }
            case Node.FilterBlock fb -> {
                StringBuilder captured = new StringBuilder();
                run(fb.body(), scope, captured);
                Scope s = new Scope(scope);
                s.vars.put(Node.FilterBlock.BODY, captured.toString());
                out.append(PyValues.str(eval(fb.chain(), s)));
            }
            case Node.Generation g -> {
                int start = out.length();
                Flow f = run(g.body(), scope, out);
                if (out == output) generationSpans.add(new RenderedChat.Span(start, out.length())); // as transformers tracks it
                return f;
            }
            case Node.Break b -> {
                return Flow.BREAK;
            }
            case Node.Continue c -> {
                return Flow.CONTINUE;
            }
        }
        return Flow.NORMAL;
    }

    private void runFor(Node.For f, Scope scope, StringBuilder out) {
        List<Object> items = new ArrayList<>();
        Object iterable = eval(f.iterable(), scope);
        if (iterable == null) throw at(f.iterable(), "'NoneType' object is not iterable");
        for (Object item : PyValues.iterate(iterable)) {
            if (f.filter() != null) {
                Scope probe = new Scope(scope);
                assign(probe, f.targets(), item, f.iterable().line(), f.iterable().column());
                if (!PyValues.truthy(eval(f.filter(), probe))) continue;
            }
            items.add(item);
        }
        if (items.isEmpty()) {
            run(f.otherwise(), scope, out);
            return;
        }
        int n = items.size();
        for (int i = 0; i < n; i++) {
            Scope body = new Scope(scope);
            assign(body, f.targets(), items.get(i), f.iterable().line(), f.iterable().column());
            Map<String, Object> loop = new LinkedHashMap<>();
            loop.put("index", (long) i + 1);
            loop.put("index0", (long) i);
            loop.put("revindex", (long) (n - i));
            loop.put("revindex0", (long) (n - i - 1));
            loop.put("first", i == 0);
            loop.put("last", i == n - 1);
            loop.put("length", (long) n);
            loop.put("depth", 1L);
            loop.put("depth0", 0L);
            loop.put("previtem", i > 0 ? items.get(i - 1) : new Undefined("loop.previtem"));
            loop.put("nextitem", i < n - 1 ? items.get(i + 1) : new Undefined("loop.nextitem"));
            int index = i;
            loop.put("cycle", (Callable) (args, kw) -> {
                if (args.isEmpty()) throw new TemplateException("no items for cycling given");
                return args.get(index % args.size());
            });
            body.vars.put("loop", loop);
            if (run(f.body(), body, out) == Flow.BREAK) break;
        }
    }

    private static void assign(Scope scope, List<String> targets, Object value, int line, int column) {
        if (targets.size() == 1) {
            scope.vars.put(targets.get(0), value);
            return;
        }
        List<Object> parts = value instanceof List<?> || value instanceof String ? PyValues.iterate(value) : null;
        if (parts == null || parts.size() != targets.size()) {
            throw new TemplateException("cannot unpack " + PyValues.typeName(value) + " into " + targets.size() + " names", line, column);
        }
        for (int i = 0; i < targets.size(); i++) scope.vars.put(targets.get(i), parts.get(i));
    }

    private Callable macro(Node.Macro m, Scope definedIn) {
        return (args, kw) -> {
            Scope s = new Scope(definedIn);
            List<Object> varargs = new ArrayList<>();
            for (int i = 0; i < args.size(); i++) {
                if (i < m.params().size()) s.vars.put(m.params().get(i), args.get(i));
                else varargs.add(args.get(i));
            }
            Map<String, Object> kwargs = new LinkedHashMap<>();
            kw.forEach((k, v) -> {
                if (m.params().contains(k) || k.equals("caller")) s.vars.put(k, v);
                else kwargs.put(k, v);
            });
            for (int i = 0; i < m.params().size(); i++) {
                String p = m.params().get(i);
                if (!s.vars.containsKey(p)) {
                    s.vars.put(p, m.defaults().get(i) != null ? eval(m.defaults().get(i), s) : new Undefined(p));
                }
            }
            s.vars.put("varargs", varargs);
            s.vars.put("kwargs", kwargs);
            StringBuilder out = new StringBuilder();
            run(m.body(), s, out);
            return out.toString();
        };
    }

    // ---- expressions

    private Object eval(Expr e, Scope scope) {
        return switch (e) {
            case Expr.Literal l -> l.value();
            case Expr.Name n -> scope.lookup(n.name());
            case Expr.ListLit l -> {
                List<Object> out = l.tuple() ? new Tuple() : new ArrayList<>();
                for (Expr x : l.items()) out.add(eval(x, scope));
                yield out;
            }
            case Expr.DictLit d -> {
                Map<Object, Object> out = new LinkedHashMap<>();
                for (int i = 0; i < d.keys().size(); i++) out.put(eval(d.keys().get(i), scope), eval(d.values().get(i), scope));
                yield out;
            }
            case Expr.GetAttr g -> {
                Object target = eval(g.target(), scope);
                if (target instanceof Undefined u) throw at(g, undefinedMessage(u) + " (reading ." + g.name() + ")");
                yield getAttr(target, g.name());
            }
            case Expr.GetItem g -> {
                Object target = eval(g.target(), scope);
                if (target instanceof Undefined u) throw at(g, undefinedMessage(u) + " (reading an item)");
                yield getItem(target, eval(g.key(), scope));
            }
            case Expr.Slice s -> slice(eval(s.target(), scope), optional(s.start(), scope), optional(s.stop(), scope),
                    optional(s.step(), scope), s);
            case Expr.Call c -> {
                Object callee = eval(c.callee(), scope);
                if (!(callee instanceof Callable f)) {
                    throw at(c, callee instanceof Undefined u ? undefinedMessage(u) : "'" + PyValues.typeName(callee) + "' object is not callable");
                }
                List<Object> args = new ArrayList<>();
                for (Expr x : c.args()) args.add(eval(x, scope));
                yield withPosition(c, () -> f.call(args, keywords(c.kwNames(), c.kwValues(), scope)));
            }
            case Expr.Filter f -> {
                Object v = eval(f.target(), scope);
                List<Object> args = new ArrayList<>();
                for (Expr x : f.args()) args.add(eval(x, scope));
                Args a = new Args(f.name(), args, keywords(f.kwNames(), f.kwValues(), scope));
                yield withPosition(f, () -> Filters.apply(f.name(), v, a));
            }
            case Expr.Test t -> {
                Object v = eval(t.target(), scope);
                List<Object> args = new ArrayList<>();
                for (Expr x : t.args()) args.add(eval(x, scope));
                boolean r = withPosition(t, () -> Tests.apply(t.name(), v, args));
                yield r != t.negated();
            }
            case Expr.Binary b -> switch (b.op()) {
                case "and" -> {
                    Object l = eval(b.left(), scope);
                    yield PyValues.truthy(l) ? eval(b.right(), scope) : l;
                }
                case "or" -> {
                    Object l = eval(b.left(), scope);
                    yield PyValues.truthy(l) ? l : eval(b.right(), scope);
                }
                case "~" -> PyValues.str(eval(b.left(), scope)) + PyValues.str(eval(b.right(), scope));
                default -> {
                    Object l = eval(b.left(), scope), r = eval(b.right(), scope);
                    yield withPosition(b, () -> arithmetic(b.op(), l, r));
                }
            };
            case Expr.Compare c -> {
                Object left = eval(c.first(), scope);
                for (int i = 0; i < c.ops().size(); i++) {
                    Object right = eval(c.rest().get(i), scope);
                    Object l = left;
                    String op = c.ops().get(i);
                    boolean ok = withPosition(c, () -> switch (op) {
                        case "==" -> PyValues.equal(l, right);
                        case "!=" -> !PyValues.equal(l, right);
                        case "<" -> PyValues.compare(l, right) < 0;
                        case ">" -> PyValues.compare(l, right) > 0;
                        case "<=" -> PyValues.compare(l, right) <= 0;
                        case ">=" -> PyValues.compare(l, right) >= 0;
                        case "in" -> PyValues.contains(right, l);
                        default -> !PyValues.contains(right, l); // not in
                    });
                    if (!ok) yield false;
                    left = right;
                }
                yield true;
            }
            case Expr.Unary u -> {
                Object v = eval(u.operand(), scope);
                yield switch (u.op()) {
                    case "not" -> !PyValues.truthy(v);
                    case "-" -> withPosition(u, () -> arithmetic("-", 0L, v));
                    default -> withPosition(u, () -> arithmetic("+", 0L, v));
                };
            }
            case Expr.Conditional c -> PyValues.truthy(eval(c.test(), scope)) ? eval(c.then(), scope)
                    : c.otherwise() == null ? new Undefined("conditional expression") : eval(c.otherwise(), scope);
        };
    }

    private Object optional(Expr e, Scope scope) {
        return e == null ? null : eval(e, scope);
    }

    private Map<String, Object> keywords(List<String> names, List<Expr> values, Scope scope) {
        Map<String, Object> kw = new LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) kw.put(names.get(i), eval(values.get(i), scope));
        return kw;
    }

    /** Runs {@code body}, giving a position to errors raised without one (raise_exception keeps its own text). */
    private static <T> T withPosition(Expr e, Supplier<T> body) {
        try {
            return body.get();
        } catch (TemplateException ex) {
            if (ex.line() > 0 || isRaised(e)) throw ex;
            throw new TemplateException(ex.getMessage(), e.line(), e.column());
        } catch (ArithmeticException ex) {
            throw at(e, ex.getMessage());
        }
    }

    private static boolean isRaised(Expr e) {
        return e instanceof Expr.Call c && c.callee() instanceof Expr.Name n && n.name().equals("raise_exception");
    }

    private static TemplateException at(Expr e, String message) {
        return new TemplateException(message, e.line(), e.column());
    }

    private static String undefinedMessage(Undefined u) {
        return "'" + u.name() + "' is undefined";
    }

    /** {@code obj.name}: Jinja2 tries the Python attribute first (methods), then the item. */
    static Object getAttr(Object target, String name) {
        if (target instanceof Namespace ns) return ns.attributes.containsKey(name) ? ns.attributes.get(name) : new Undefined(name);
        Callable method = Methods.bind(target, name);
        if (method != null) return method;
        if (target instanceof Map<?, ?> m && m.containsKey(name)) return m.get(name);
        return new Undefined(name);
    }

    /** {@code obj[key]}: Jinja2 tries the item first, then a string key as attribute. */
    static Object getItem(Object target, Object key) {
        switch (target) {
            case Map<?, ?> m -> {
                if (m.containsKey(key)) return m.get(key);
            }
            case List<?> l -> {
                if (key instanceof Long || key instanceof Boolean) {
                    long i = PyValues.toLong(key);
                    if (i < 0) i += l.size();
                    return i >= 0 && i < l.size() ? l.get((int) i) : new Undefined("item " + key);
                }
            }
            case String s -> {
                if (key instanceof Long || key instanceof Boolean) {
                    int[] cps = s.codePoints().toArray();
                    long i = PyValues.toLong(key);
                    if (i < 0) i += cps.length;
                    return i >= 0 && i < cps.length ? Character.toString(cps[(int) i]) : new Undefined("item " + key);
                }
            }
            case Namespace ns -> {
                if (ns.attributes.containsKey(PyValues.str(key))) return ns.attributes.get(PyValues.str(key));
            }
            case Undefined u -> throw new TemplateException(undefinedMessage(u));
            case null, default -> { }
        }
        return key instanceof String s && target != null ? getAttr(target, s) : new Undefined(PyValues.str(key));
    }

    private static Object slice(Object target, Object start, Object stop, Object step, Expr at) {
        long st = step == null ? 1 : asIndex(step, at);
        if (st == 0) throw at(at, "slice step cannot be zero");
        int[] cps = target instanceof String s ? s.codePoints().toArray() : null;
        List<?> list = target instanceof List<?> l ? l : null;
        if (cps == null && list == null) {
            if (target instanceof Undefined u) throw at(at, undefinedMessage(u) + " (slicing)");
            // unlike item lookups, Jinja2 compiles slices to Python slicing, which fails on other types
            throw at(at, "'" + PyValues.typeName(target) + "' object is not subscriptable");
        }
        long n = cps != null ? cps.length : list.size();
        long lower = st > 0 ? 0 : -1, upper = st > 0 ? n : n - 1;
        long a = start == null ? (st > 0 ? lower : upper) : clamp(asIndex(start, at), n, lower, upper);
        long b = stop == null ? (st > 0 ? upper : lower) : clamp(asIndex(stop, at), n, lower, upper);
        StringBuilder sb = new StringBuilder();
        List<Object> out = list instanceof Tuple ? new Tuple() : new ArrayList<>();
        for (long i = a; st > 0 ? i < b : i > b; i += st) {
            if (cps != null) sb.appendCodePoint(cps[(int) i]);
            else out.add(list.get((int) i));
        }
        return cps != null ? sb.toString() : out;
    }

    private static long clamp(long i, long n, long lower, long upper) {
        if (i < 0) i += n;
        return Math.max(lower, Math.min(upper, i));
    }

    private static long asIndex(Object v, Expr at) {
        if (v instanceof Long || v instanceof Boolean) return PyValues.toLong(v);
        throw at(at, "slice indices must be integers or None, not " + PyValues.typeName(v));
    }

    /** Python's binary arithmetic on template values. */
    static Object arithmetic(String op, Object l, Object r) {
        if (op.equals("%") && l instanceof String format) return Methods.percentFormat(format, r);
        if (l instanceof Undefined u) throw new TemplateException(undefinedMessage(u));
        if (r instanceof Undefined u) throw new TemplateException(undefinedMessage(u));
        boolean nums = PyValues.isNumber(l) && PyValues.isNumber(r);
        boolean ints = nums && !(l instanceof Double) && !(r instanceof Double);
        switch (op) {
            case "+" -> {
                if (ints) return Math.addExact(PyValues.toLong(l), PyValues.toLong(r));
                if (nums) return PyValues.toDouble(l) + PyValues.toDouble(r);
                if (l instanceof String a && r instanceof String b) return a + b;
                if (l instanceof List<?> a && r instanceof List<?> b && (a instanceof Tuple) == (b instanceof Tuple)) {
                    List<Object> out = a instanceof Tuple ? new Tuple(a) : new ArrayList<>(a);
                    out.addAll(b);
                    return out;
                }
            }
            case "-" -> {
                if (ints) return Math.subtractExact(PyValues.toLong(l), PyValues.toLong(r));
                if (nums) return PyValues.toDouble(l) - PyValues.toDouble(r);
            }
            case "*" -> {
                if (ints) return Math.multiplyExact(PyValues.toLong(l), PyValues.toLong(r));
                if (nums) return PyValues.toDouble(l) * PyValues.toDouble(r);
                boolean intLeft = l instanceof Long || l instanceof Boolean, intRight = r instanceof Long || r instanceof Boolean;
                if ((l instanceof String || l instanceof List<?>) && intRight) return repeat(l, PyValues.toLong(r));
                if ((r instanceof String || r instanceof List<?>) && intLeft) return repeat(r, PyValues.toLong(l));
            }
            case "/" -> {
                if (nums) {
                    if (PyValues.toDouble(r) == 0) throw new TemplateException("division by zero");
                    return PyValues.toDouble(l) / PyValues.toDouble(r);
                }
            }
            case "//" -> {
                if (nums && PyValues.toDouble(r) == 0) throw new TemplateException("integer division or modulo by zero");
                if (ints) return Math.floorDiv(PyValues.toLong(l), PyValues.toLong(r));
                if (nums) return floorDiv(PyValues.toDouble(l), PyValues.toDouble(r));
            }
            case "%" -> {
                if (nums && PyValues.toDouble(r) == 0) throw new TemplateException("integer division or modulo by zero");
                if (ints) return Math.floorMod(PyValues.toLong(l), PyValues.toLong(r));
                if (nums) {
                    double a = PyValues.toDouble(l), b = PyValues.toDouble(r);
                    double m = a % b;
                    return m != 0 && (m < 0) != (b < 0) ? m + b : m;
                }
            }
            case "**" -> {
                if (ints && PyValues.toLong(r) >= 0) return (long) Math.pow(PyValues.toLong(l), PyValues.toLong(r));
                if (nums) return Math.pow(PyValues.toDouble(l), PyValues.toDouble(r));
            }
            default -> { }
        }
        throw new TemplateException("unsupported operand type(s) for " + op + ": '" + PyValues.typeName(l) + "' and '"
                + PyValues.typeName(r) + "'");
    }

    /** Python's float floor division (CPython's float_divmod), which differs from floor(a / b) near integers. */
    private static double floorDiv(double a, double b) {
        double mod = a % b;
        double div = (a - mod) / b;
        if (mod != 0 && (b < 0) != (mod < 0)) div -= 1.0;
        if (div == 0) return Math.copySign(0.0, a / b);
        double floor = Math.floor(div);
        return div - floor > 0.5 ? floor + 1.0 : floor;
    }

    /** Python's sequence * n. */
    private static Object repeat(Object seq, long times) {
        if (seq instanceof String s) return s.repeat((int) Math.max(0, times));
        List<?> list = (List<?>) seq;
        List<Object> out = list instanceof Tuple ? new Tuple() : new ArrayList<>();
        for (long i = 0; i < times; i++) out.addAll(list);
        return out;
    }

    private static Object range(Args a) {
        long start = 0, stop, step = 1;
        if (a.positional().size() == 1) {
            stop = a.integer(0, "stop", 0L);
        } else {
            start = a.integer(0, "start", 0L);
            stop = a.integer(1, "stop", 0L);
            step = a.integer(2, "step", 1L);
        }
        if (step == 0) throw new TemplateException("range() arg 3 must not be zero");
        List<Object> out = new ArrayList<>();
        for (long i = start; step > 0 ? i < stop : i > stop; i += step) {
            if (out.size() >= 100_000) throw new TemplateException("range too big");
            out.add(i);
        }
        return out;
    }
}
