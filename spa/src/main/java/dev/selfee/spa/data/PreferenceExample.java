package dev.selfee.spa.data;

import java.nio.file.Path;
import java.util.List;

/** A preference pair in TRL's format: {@code {"prompt", "chosen", "rejected"}} (strings, message lists or *_ids). */
public record PreferenceExample(Text prompt, Text chosen, Text rejected) {
    public static List<PreferenceExample> read(Path file) {
        return Jsonl.read(file, o -> new PreferenceExample(Text.field(o, "prompt"), Text.field(o, "chosen"), Text.field(o, "rejected")));
    }
}
