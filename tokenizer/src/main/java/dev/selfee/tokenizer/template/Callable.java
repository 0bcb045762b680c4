package dev.selfee.tokenizer.template;

import java.util.List;
import java.util.Map;

/** A function a template can call: globals, macros, bound methods. */
@FunctionalInterface
interface Callable {
    Object call(List<Object> args, Map<String, Object> kwargs);
}
