package dev.selfee.tokenizer.template;

import java.util.LinkedHashMap;
import java.util.Map;

/** The object {@code namespace(...)} returns: attributes that {@code set ns.x = ...} may change from inside loops. */
final class Namespace {
    final Map<String, Object> attributes = new LinkedHashMap<>();
}
