package dev.selfee.tokenizer.template;

import dev.selfee.tokenizer.template.Token.Kind;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Recursive-descent parser for the Jinja2 subset chat templates use, with Jinja2's operator precedence. */
final class Parser {
    private static final Set<String> COMPARE_OPS = Set.of("==", "!=", "<", ">", "<=", ">=");

    private final List<Token> tokens;
    private int i;

    private Parser(List<Token> tokens) {
        this.tokens = tokens;
    }

    static List<Node> parse(String source) {
        Parser p = new Parser(Lexer.tokenize(source));
        List<Node> body = p.statements(Set.of());
        Token t = p.peek();
        if (t.kind() != Kind.EOF) throw error(t, "unexpected '" + t.text() + "'");
        return body;
    }

    // ---- statements

    /** Parses until EOF or a block tag whose keyword is in {@code enders} (left unconsumed, after its '{%'). */
    private List<Node> statements(Set<String> enders) {
        List<Node> nodes = new ArrayList<>();
        while (true) {
            Token t = peek();
            switch (t.kind()) {
                case EOF -> {
                    if (!enders.isEmpty()) throw error(t, "unexpected end of template, expected one of " + enders);
                    return nodes;
                }
                case TEXT -> {
                    next();
                    nodes.add(new Node.Text((String) t.value()));
                }
                case VAR_BEGIN -> {
                    next();
                    Expr e = expression();
                    expect(Kind.VAR_END, "}}");
                    nodes.add(new Node.Output(e));
                }
                case BLOCK_BEGIN -> {
                    Token kw = tokens.get(i + 1);
                    if (kw.kind() == Kind.NAME && enders.contains(kw.text())) {
                        next();
                        return nodes;
                    }
                    next();
                    nodes.add(block());
                }
                default -> throw error(t, "unexpected '" + t.text() + "'");
            }
        }
    }

    private Node block() {
        Token kw = next();
        if (kw.kind() != Kind.NAME) throw error(kw, "expected a statement name, got '" + kw.text() + "'");
        return switch (kw.text()) {
            case "if" -> ifBlock();
            case "for" -> forBlock();
            case "set" -> setBlock(kw);
            case "macro" -> macroBlock();
            case "call" -> callBlock(kw);
            case "filter" -> filterBlock(kw);
            case "break" -> { endTag(); yield new Node.Break(); }
            case "continue" -> { endTag(); yield new Node.Continue(); }
            case "generation" -> {
                endTag();
                List<Node> body = statements(Set.of("endgeneration"));
                next();
                endTag();
                yield new Node.Generation(body);
            }
            default -> throw error(kw, "unknown statement '" + kw.text() + "'");
        };
    }

    private Node ifBlock() {
        List<Expr> tests = new ArrayList<>();
        List<List<Node>> bodies = new ArrayList<>();
        List<Node> otherwise = List.of();
        tests.add(expression());
        endTag();
        while (true) {
            bodies.add(statements(Set.of("elif", "else", "endif")));
            Token kw = next();
            if (kw.text().equals("elif")) {
                tests.add(expression());
                endTag();
            } else if (kw.text().equals("else")) {
                endTag();
                otherwise = statements(Set.of("endif"));
                next();
                endTag();
                break;
            } else {
                endTag();
                break;
            }
        }
        return new Node.If(tests, bodies, otherwise);
    }

    private Node forBlock() {
        List<String> targets = new ArrayList<>();
        boolean paren = peek().isOp("(");
        if (paren) next();
        targets.add(name());
        while (peek().isOp(",")) {
            next();
            targets.add(name());
        }
        if (paren) expectOp(")");
        Token in = next();
        if (!in.isName("in")) throw error(in, "expected 'in' in for loop, got '" + in.text() + "'");
        Expr iterable = orExpr();
        Expr filter = null;
        if (peek().isName("if")) {
            next();
            filter = expression();
        }
        if (peek().isName("recursive")) throw error(peek(), "recursive loops are not supported");
        endTag();
        List<Node> body = statements(Set.of("else", "endfor"));
        List<Node> otherwise = List.of();
        if (next().text().equals("else")) {
            endTag();
            otherwise = statements(Set.of("endfor"));
            next();
        }
        endTag();
        return new Node.For(targets, iterable, filter, body, otherwise);
    }

    private Node setBlock(Token kw) {
        List<String> targets = new ArrayList<>();
        targets.add(name());
        String attribute = null;
        if (peek().isOp(".")) {
            next();
            attribute = name();
        } else {
            while (peek().isOp(",")) {
                next();
                targets.add(name());
            }
        }
        if (peek().kind() == Kind.BLOCK_END && attribute == null && targets.size() == 1) {
            endTag();
            List<Node> body = statements(Set.of("endset"));
            next();
            endTag();
            return new Node.SetBlock(targets.get(0), body);
        }
        expectOp("=");
        Expr value = expression();
        endTag();
        return new Node.Set(targets, attribute, value, kw.line(), kw.column());
    }

    private Node macroBlock() {
        String name = name();
        expectOp("(");
        List<String> params = new ArrayList<>();
        List<Expr> defaults = new ArrayList<>();
        parameters(params, defaults);
        endTag();
        List<Node> body = statements(Set.of("endmacro"));
        next();
        if (peek().kind() == Kind.NAME) next(); // {% endmacro name %}
        endTag();
        return new Node.Macro(name, params, defaults, body);
    }

    /** Macro parameters after '(' through ')': names with optional defaults. */
    private void parameters(List<String> params, List<Expr> defaults) {
        while (!peek().isOp(")")) {
            if (!params.isEmpty()) expectOp(",");
            params.add(name());
            if (peek().isOp("=")) {
                next();
                defaults.add(expression());
            } else {
                defaults.add(null);
            }
        }
        expectOp(")");
    }

    /** {@code call [(params)] macro(args)} ... {@code endcall}: the body becomes the macro's {@code caller()}. */
    private Node callBlock(Token kw) {
        List<String> params = new ArrayList<>();
        List<Expr> defaults = new ArrayList<>();
        if (peek().isOp("(")) {
            next();
            parameters(params, defaults);
        }
        Expr call = expression();
        if (!(call instanceof Expr.Call c)) throw error(kw, "expected a macro call after 'call'");
        endTag();
        List<Node> body = statements(Set.of("endcall"));
        next();
        endTag();
        return new Node.CallBlock(c, new Node.Macro("caller", params, defaults, body));
    }

    /** {@code filter name[(args)] [| more]} ... {@code endfilter}: the rendered body goes through the filters. */
    private Node filterBlock(Token kw) {
        Expr chain = filter(new Expr.Name(Node.FilterBlock.BODY, kw.line(), kw.column()));
        while (peek().isOp("|")) {
            next();
            chain = filter(chain);
        }
        endTag();
        List<Node> body = statements(Set.of("endfilter"));
        next();
        endTag();
        return new Node.FilterBlock(chain, body);
    }

    // ---- expressions (lowest precedence first)

    Expr expression() {
        Expr e = orExpr();
        if (peek().isName("if")) {
            Token t = next();
            Expr test = orExpr();
            Expr otherwise = null;
            if (peek().isName("else")) {
                next();
                otherwise = expression();
            }
            return new Expr.Conditional(test, e, otherwise, t.line(), t.column());
        }
        return e;
    }

    private Expr orExpr() {
        Expr left = andExpr();
        while (peek().isName("or")) {
            Token t = next();
            left = new Expr.Binary("or", left, andExpr(), t.line(), t.column());
        }
        return left;
    }

    private Expr andExpr() {
        Expr left = notExpr();
        while (peek().isName("and")) {
            Token t = next();
            left = new Expr.Binary("and", left, notExpr(), t.line(), t.column());
        }
        return left;
    }

    private Expr notExpr() {
        if (peek().isName("not")) {
            Token t = next();
            return new Expr.Unary("not", notExpr(), t.line(), t.column());
        }
        return compare();
    }

    private Expr compare() {
        Expr first = math1();
        List<String> ops = new ArrayList<>();
        List<Expr> rest = new ArrayList<>();
        while (true) {
            Token t = peek();
            if (t.kind() == Kind.OPERATOR && COMPARE_OPS.contains(t.text())) {
                next();
                ops.add(t.text());
            } else if (t.isName("in")) {
                next();
                ops.add("in");
            } else if (t.isName("not") && tokens.get(i + 1).isName("in")) {
                next();
                next();
                ops.add("not in");
            } else {
                break;
            }
            rest.add(math1());
        }
        return ops.isEmpty() ? first : new Expr.Compare(first, ops, rest, first.line(), first.column());
    }

    private Expr math1() {
        Expr left = concat();
        while (peek().isOp("+") || peek().isOp("-")) {
            Token t = next();
            left = new Expr.Binary(t.text(), left, concat(), t.line(), t.column());
        }
        return left;
    }

    private Expr concat() {
        Expr left = math2();
        while (peek().isOp("~")) {
            Token t = next();
            left = new Expr.Binary("~", left, math2(), t.line(), t.column());
        }
        return left;
    }

    private Expr math2() {
        Expr left = pow();
        while (peek().isOp("*") || peek().isOp("/") || peek().isOp("//") || peek().isOp("%")) {
            Token t = next();
            left = new Expr.Binary(t.text(), left, pow(), t.line(), t.column());
        }
        return left;
    }

    private Expr pow() {
        Expr left = unary(true);
        while (peek().isOp("**")) {
            Token t = next();
            left = new Expr.Binary("**", left, unary(true), t.line(), t.column());
        }
        return left;
    }

    private Expr unary(boolean withFilter) {
        Token t = peek();
        Expr e;
        if (t.isOp("-") || t.isOp("+")) {
            next();
            e = new Expr.Unary(t.text(), unary(false), t.line(), t.column());
        } else {
            e = postfix(primary());
        }
        return withFilter ? filters(e) : e;
    }

    private Expr primary() {
        Token t = next();
        switch (t.kind()) {
            case STRING -> {
                StringBuilder sb = new StringBuilder((String) t.value());
                while (peek().kind() == Kind.STRING) sb.append((String) next().value()); // implicit concatenation
                return new Expr.Literal(sb.toString(), t.line(), t.column());
            }
            case INTEGER, FLOAT -> {
                return new Expr.Literal(t.value(), t.line(), t.column());
            }
            case NAME -> {
                return switch (t.text()) {
                    case "true", "True" -> new Expr.Literal(true, t.line(), t.column());
                    case "false", "False" -> new Expr.Literal(false, t.line(), t.column());
                    case "none", "None" -> new Expr.Literal(null, t.line(), t.column());
                    default -> new Expr.Name(t.text(), t.line(), t.column());
                };
            }
            case OPERATOR -> {
                switch (t.text()) {
                    case "(" -> {
                        if (peek().isOp(")")) {
                            next();
                            return new Expr.ListLit(List.of(), true, t.line(), t.column());
                        }
                        Expr e = expression();
                        if (peek().isOp(",")) { // a tuple: evaluated as a list
                            List<Expr> items = new ArrayList<>(List.of(e));
                            while (peek().isOp(",")) {
                                next();
                                if (peek().isOp(")")) break;
                                items.add(expression());
                            }
                            e = new Expr.ListLit(items, true, t.line(), t.column());
                        }
                        expectOp(")");
                        return e;
                    }
                    case "[" -> {
                        List<Expr> items = new ArrayList<>();
                        while (!peek().isOp("]")) {
                            if (!items.isEmpty()) {
                                expectOp(",");
                                if (peek().isOp("]")) break;
                            }
                            items.add(expression());
                        }
                        expectOp("]");
                        return new Expr.ListLit(items, false, t.line(), t.column());
                    }
                    case "{" -> {
                        List<Expr> keys = new ArrayList<>(), values = new ArrayList<>();
                        while (!peek().isOp("}")) {
                            if (!keys.isEmpty()) {
                                expectOp(",");
                                if (peek().isOp("}")) break;
                            }
                            keys.add(expression());
                            expectOp(":");
                            values.add(expression());
                        }
                        expectOp("}");
                        return new Expr.DictLit(keys, values, t.line(), t.column());
                    }
                    default -> { }
                }
            }
            default -> { }
        }
        throw error(t, t.kind() == Kind.EOF || t.kind() == Kind.BLOCK_END || t.kind() == Kind.VAR_END
                ? "expected an expression" : "unexpected '" + t.text() + "'");
    }

    private Expr postfix(Expr e) {
        while (true) {
            Token t = peek();
            if (t.isOp(".")) {
                next();
                Token n = next();
                if (n.kind() != Kind.NAME && n.kind() != Kind.INTEGER) throw error(n, "expected an attribute name after '.'");
                e = n.kind() == Kind.INTEGER ? new Expr.GetItem(e, new Expr.Literal(n.value(), n.line(), n.column()), t.line(), t.column())
                        : new Expr.GetAttr(e, n.text(), t.line(), t.column());
            } else if (t.isOp("[")) {
                next();
                e = subscript(e, t);
            } else if (t.isOp("(")) {
                next();
                e = call(e, t);
            } else {
                return e;
            }
        }
    }

    private Expr subscript(Expr target, Token open) {
        Expr[] parts = new Expr[3];
        int part = 0;
        boolean slice = false;
        while (!peek().isOp("]")) {
            if (peek().isOp(":")) {
                next();
                slice = true;
                part++;
                if (part > 2) throw error(peek(), "too many ':' in slice");
                continue;
            }
            if (parts[part] != null) throw error(peek(), "expected ':' or ']'");
            parts[part] = expression();
        }
        expectOp("]");
        if (!slice) {
            if (parts[0] == null) throw error(open, "expected a subscript");
            return new Expr.GetItem(target, parts[0], open.line(), open.column());
        }
        return new Expr.Slice(target, parts[0], parts[1], parts[2], open.line(), open.column());
    }

    private Expr.Call call(Expr callee, Token open) {
        List<Expr> args = new ArrayList<>();
        List<String> kwNames = new ArrayList<>();
        List<Expr> kwValues = new ArrayList<>();
        arguments(args, kwNames, kwValues);
        return new Expr.Call(callee, args, kwNames, kwValues, open.line(), open.column());
    }

    /** Parses call arguments after '(' through ')'. */
    private void arguments(List<Expr> args, List<String> kwNames, List<Expr> kwValues) {
        while (!peek().isOp(")")) {
            if (!args.isEmpty() || !kwNames.isEmpty()) {
                expectOp(",");
                if (peek().isOp(")")) break;
            }
            if (peek().kind() == Kind.NAME && tokens.get(i + 1).isOp("=")) {
                kwNames.add(next().text());
                next();
                kwValues.add(expression());
            } else {
                if (!kwNames.isEmpty()) throw error(peek(), "positional argument after keyword argument");
                args.add(expression());
            }
        }
        expectOp(")");
    }

    /** One filter applied to {@code target}: {@code name} or {@code name(args)}, the '|' already read. */
    private Expr filter(Expr target) {
        Token n = next();
        if (n.kind() != Kind.NAME) throw error(n, "expected a filter name");
        String name = n.text();
        if (!Filters.exists(name)) throw error(n, "no filter named '" + name + "'");
        List<Expr> args = new ArrayList<>();
        List<String> kwNames = new ArrayList<>();
        List<Expr> kwValues = new ArrayList<>();
        if (peek().isOp("(")) {
            next();
            arguments(args, kwNames, kwValues);
        }
        return new Expr.Filter(target, name, args, kwNames, kwValues, n.line(), n.column());
    }

    private Expr filters(Expr e) {
        while (true) {
            Token t = peek();
            if (t.isOp("|")) {
                next();
                e = filter(e);
            } else if (t.isName("is")) {
                next();
                boolean negated = false;
                if (peek().isName("not")) {
                    next();
                    negated = true;
                }
                Token n = next();
                String name = n.kind() == Kind.NAME || (n.kind() == Kind.OPERATOR && COMPARE_OPS.contains(n.text())) ? n.text() : null;
                if (name == null) throw error(n, "expected a test name after 'is'");
                if (name.equals("none") || name.equals("None")) name = "none";
                if (name.equals("true") || name.equals("True")) name = "true";
                if (name.equals("false") || name.equals("False")) name = "false";
                if (!Tests.exists(name)) throw error(n, "no test named '" + name + "'");
                List<Expr> args = new ArrayList<>();
                Token a = peek();
                if (a.isOp("(")) {
                    next();
                    List<String> kwNames = new ArrayList<>();
                    arguments(args, kwNames, new ArrayList<>());
                    if (!kwNames.isEmpty()) throw error(a, "tests take no keyword arguments");
                } else if ((a.kind() == Kind.NAME || a.kind() == Kind.STRING || a.kind() == Kind.INTEGER || a.kind() == Kind.FLOAT
                        || a.isOp("[") || a.isOp("{")) && !a.isName("else") && !a.isName("or") && !a.isName("and")
                        && !a.isName("if") && !a.isName("in") && !a.isName("not") && !a.isName("is")) {
                    args.add(postfix(primary()));
                }
                e = new Expr.Test(e, name, args, negated, n.line(), n.column());
            } else if (t.isOp("(")) {
                next();
                e = call(e, t);
            } else {
                return e;
            }
        }
    }

    // ---- reading tokens

    private Token peek() {
        return tokens.get(i);
    }

    private Token next() {
        Token t = tokens.get(i);
        if (t.kind() != Kind.EOF) i++;
        return t;
    }

    private String name() {
        Token t = next();
        if (t.kind() != Kind.NAME) throw error(t, "expected a name, got '" + t.text() + "'");
        return t.text();
    }

    private void expectOp(String op) {
        Token t = next();
        if (!t.isOp(op)) throw error(t, "expected '" + op + "', got " + describe(t));
    }

    private void expect(Kind kind, String text) {
        Token t = next();
        if (t.kind() != kind) throw error(t, "expected '" + text + "', got " + describe(t));
    }

    private void endTag() {
        expect(Kind.BLOCK_END, "%}");
    }

    private static String describe(Token t) {
        return switch (t.kind()) {
            case EOF -> "end of template";
            case TEXT -> "text";
            default -> "'" + t.text() + "'";
        };
    }

    private static TemplateException error(Token t, String message) {
        return new TemplateException(message, t.line(), t.column());
    }
}
