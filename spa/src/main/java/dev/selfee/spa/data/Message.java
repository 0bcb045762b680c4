package dev.selfee.spa.data;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/** One chat message, as in TRL's conversational data: {@code {"role": …, "content": …}}. */
public record Message(String role, String content) {
    /** Parses the array field {@code name} of messages, naming the field and index on errors. */
    static List<Message> listOf(JsonNode array, String name) {
        List<Message> out = new ArrayList<>();
        for (int i = 0; i < array.size(); i++) {
            JsonNode m = array.get(i);
            String where = "field \"" + name + "\"[" + i + "]";
            if (!m.isObject()) throw new IllegalArgumentException(where + " must be a message object");
            JsonNode role = m.get("role"), content = m.get("content");
            if (role == null || !role.isTextual()) throw new IllegalArgumentException(where + " needs a string \"role\"");
            if (content == null || !content.isTextual()) throw new IllegalArgumentException(where + " needs a string \"content\"");
            out.add(new Message(role.asText(), content.asText()));
        }
        return out;
    }
}
