package dev.selfee.tokenizer.template;

import java.util.ArrayList;
import java.util.Arrays;

/** A Python tuple: a list everywhere a list is accepted, but written {@code (a, b)} and never equal to a list. */
final class Tuple extends ArrayList<Object> {
    Tuple(Object... items) {
        super(Arrays.asList(items));
    }

    Tuple(java.util.Collection<?> items) {
        super(items);
    }
}
