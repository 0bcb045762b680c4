package dev.selfee.spa.data;

import java.nio.file.Path;
import java.util.List;

/**
 * A supervised example in TRL's formats: {@code {"prompt", "completion"}} or {@code {"messages"}}
 * (the last assistant message is the completion; the ones before it are the prompt).
 */
public record SftExample(Text prompt, Text completion) {
    public static List<SftExample> read(Path file) {
        return Jsonl.read(file, o -> {
            if (o.has("messages")) {
                Text t = Text.field(o, "messages");
                if (!(t instanceof Text.Chat chat)) throw new IllegalArgumentException("field \"messages\" must be a list of messages");
                List<Message> ms = chat.messages();
                Message last = ms.get(ms.size() - 1);
                if (!last.role().equals("assistant") || ms.size() < 2) {
                    throw new IllegalArgumentException("field \"messages\" must end with an assistant message after a prompt");
                }
                return new SftExample(new Text.Chat(ms.subList(0, ms.size() - 1)), new Text.Chat(List.of(last)));
            }
            return new SftExample(Text.field(o, "prompt"), Text.field(o, "completion"));
        });
    }
}
