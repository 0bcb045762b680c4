package dev.selfee.tokenizer.template;

/** Jinja2's default Undefined: renders as "", is falsy, iterates as empty; anything more raises an error naming it. */
record Undefined(String name) {
    @Override
    public String toString() {
        return "";
    }
}
