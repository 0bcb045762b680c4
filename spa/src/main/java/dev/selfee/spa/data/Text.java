package dev.selfee.spa.data;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * A prompt or response as TRL's data formats allow it: plain text, a list of chat messages (the
 * tokenizer's chat template renders it), or already tokenised ids ({@code *_ids} fields).
 */
public sealed interface Text {
    record Plain(String text) implements Text {}

    record Chat(List<Message> messages) implements Text {}

    record Ids(int[] ids) implements Text {}

    /** Reads field {@code name} (string or message list) or, failing that, {@code name_ids}; errors name the field. */
    static Text field(JsonNode obj, String name) {
        JsonNode v = obj.get(name);
        if (v == null || v.isNull()) {
            if (obj.has(name + "_ids")) return new Ids(Jsonl.requireIntArray(obj, name + "_ids"));
            throw new IllegalArgumentException("missing field \"" + name + "\"");
        }
        if (v.isTextual()) return new Plain(v.asText());
        if (v.isArray()) {
            List<Message> ms = Message.listOf(v, name);
            if (ms.isEmpty()) throw new IllegalArgumentException("field \"" + name + "\" has no messages");
            return new Chat(ms);
        }
        throw new IllegalArgumentException("field \"" + name + "\" must be a string or a list of messages");
    }
}
