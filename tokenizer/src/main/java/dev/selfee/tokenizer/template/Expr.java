package dev.selfee.tokenizer.template;

import java.util.List;

/** Expression syntax tree; every node keeps its template position for runtime error messages. */
sealed interface Expr {
    int line();

    int column();

    record Literal(Object value, int line, int column) implements Expr { }

    record Name(String name, int line, int column) implements Expr { }

    /** A list literal, or a tuple literal when {@code tuple} is set. */
    record ListLit(List<Expr> items, boolean tuple, int line, int column) implements Expr { }

    record DictLit(List<Expr> keys, List<Expr> values, int line, int column) implements Expr { }

    record GetAttr(Expr target, String name, int line, int column) implements Expr { }

    record GetItem(Expr target, Expr key, int line, int column) implements Expr { }

    /** {@code target[start:stop:step]}; absent parts are null. */
    record Slice(Expr target, Expr start, Expr stop, Expr step, int line, int column) implements Expr { }

    record Call(Expr callee, List<Expr> args, List<String> kwNames, List<Expr> kwValues, int line, int column) implements Expr { }

    record Filter(Expr target, String name, List<Expr> args, List<String> kwNames, List<Expr> kwValues, int line, int column) implements Expr { }

    record Test(Expr target, String name, List<Expr> args, boolean negated, int line, int column) implements Expr { }

    /** Arithmetic (+ - * / // % **), concatenation (~), and/or; {@code op} is the operator text. */
    record Binary(String op, Expr left, Expr right, int line, int column) implements Expr { }

    /** A chain {@code a < b <= c}: each op compares neighbouring operands. */
    record Compare(Expr first, List<String> ops, List<Expr> rest, int line, int column) implements Expr { }

    /** Unary {@code not}, {@code -} or {@code +}. */
    record Unary(String op, Expr operand, int line, int column) implements Expr { }

    /** {@code then if test else otherwise}; otherwise may be null (undefined). */
    record Conditional(Expr test, Expr then, Expr otherwise, int line, int column) implements Expr { }
}
