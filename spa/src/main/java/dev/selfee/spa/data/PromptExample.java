package dev.selfee.spa.data;

import java.nio.file.Path;
import java.util.List;

/** An unlabelled prompt: {@code {"prompt"}} (string, message list, or {@code prompt_ids}). */
public record PromptExample(Text prompt) {
    public static List<PromptExample> read(Path file) {
        return Jsonl.read(file, o -> new PromptExample(Text.field(o, "prompt")));
    }
}
