package dev.selfee.tokenizer.template;

import java.util.List;

/** Statement syntax tree of a template. */
sealed interface Node {
    record Text(String text) implements Node { }

    record Output(Expr expr) implements Node { }

    record If(List<Expr> tests, List<List<Node>> bodies, List<Node> otherwise) implements Node { }

    /** {@code for targets in iterable [if filter]} ... {@code [else]}; several targets unpack each item. */
    record For(List<String> targets, Expr iterable, Expr filter, List<Node> body, List<Node> otherwise) implements Node { }

    /** {@code set a = v}, {@code set a, b = v} or {@code set ns.attr = v} (then {@code attribute} is non-null). */
    record Set(List<String> targets, String attribute, Expr value, int line, int column) implements Node { }

    /** {@code set name} ... {@code endset}: captures rendered output. */
    record SetBlock(String target, List<Node> body) implements Node { }

    record Macro(String name, List<String> params, List<Expr> defaults, List<Node> body) implements Node { }

    /** {@code generation} ... {@code endgeneration}: marks the assistant text whose span is reported. */
    record Generation(List<Node> body) implements Node { }

    /** {@code call macro(...)} with a body: {@code caller} is the body as a macro. */
    record CallBlock(Expr.Call call, Macro caller) implements Node { }

    /** {@code filter ...} with a body: {@code chain} applies the filters to the variable {@link #BODY}. */
    record FilterBlock(Expr chain, List<Node> body) implements Node {
        /** A name no template can spell, bound to the rendered body while {@code chain} is evaluated. */
        static final String BODY = " filter body";
    }

    record Break() implements Node { }

    record Continue() implements Node { }
}
