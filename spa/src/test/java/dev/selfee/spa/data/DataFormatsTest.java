package dev.selfee.spa.data;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataFormatsTest {
    @TempDir
    Path dir;

    private Path file(String name, String content) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, content);
        return p;
    }

    @Test
    void readsStringMessageAndIdFormats() throws Exception {
        Path f = file("prefs.jsonl", """
                {"prompt": "hi", "chosen": "a", "rejected": "b"}

                {"prompt": [{"role": "user", "content": "q"}], "chosen": [{"role": "assistant", "content": "x"}], "rejected": [{"role": "assistant", "content": "y"}]}
                {"prompt_ids": [1, 2], "chosen_ids": [3], "rejected_ids": [4, 5]}
                """);
        List<PreferenceExample> ps = PreferenceExample.read(f);
        assertEquals(3, ps.size());
        assertEquals(new Text.Plain("hi"), ps.get(0).prompt());
        assertEquals(new Text.Chat(List.of(new Message("user", "q"))), ps.get(1).prompt());
        assertArrayEquals(new int[] {4, 5}, ((Text.Ids) ps.get(2).rejected()).ids());
    }

    @Test
    void sftMessagesSplitOffTheLastAssistantTurn() throws Exception {
        Path f = file("sft.jsonl", """
                {"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]}
                {"prompt": "p", "completion": "c"}
                """);
        List<SftExample> xs = SftExample.read(f);
        assertEquals(new Text.Chat(List.of(new Message("assistant", "a"))), xs.get(0).completion());
        assertEquals(new Text.Plain("c"), xs.get(1).completion());
    }

    @Test
    void errorsNameFileLineAndField() throws Exception {
        Path f = file("bad.jsonl", "{\"prompt\": \"ok\", \"chosen\": \"a\", \"rejected\": \"b\"}\n{\"prompt\": \"x\", \"chosen\": 3, \"rejected\": \"b\"}\n");
        var e = assertThrows(DataException.class, () -> PreferenceExample.read(f));
        assertEquals(f + ":2: field \"chosen\" must be a string or a list of messages", e.getMessage());

        Path g = file("broken.jsonl", "{\"prompt\": \"x\"}\n{\"prompt\": \n");
        var e2 = assertThrows(DataException.class, () -> PromptExample.read(g));
        assertTrue(e2.getMessage().startsWith(g + ":2: not valid JSON"), e2.getMessage());

        Path h = file("missing.jsonl", "{\"completion\": \"x\"}\n");
        assertEquals(h + ":1: missing field \"prompt\"", assertThrows(DataException.class, () -> SftExample.read(h)).getMessage());

        Path ids = file("ids.jsonl", "{\"prompt_ids\": [1, \"2\"]}\n");
        assertEquals(ids + ":1: field \"prompt_ids\"[1] must be an integer, got \"2\"",
                assertThrows(DataException.class, () -> PromptExample.read(ids)).getMessage());

        Path empty = file("empty.jsonl", "\n\n");
        assertEquals(empty + ": no records (the file is empty)", assertThrows(DataException.class, () -> PromptExample.read(empty)).getMessage());
        assertTrue(assertThrows(DataException.class, () -> PromptExample.read(dir.resolve("nope.jsonl"))).getMessage().endsWith("no such file"));
    }

    @Test
    void arrayLineIsNotAnObject() throws Exception {
        Path f = file("arr.jsonl", "[1, 2]\n");
        assertEquals(f + ":1: expected a JSON object", assertThrows(DataException.class, () -> PromptExample.read(f)).getMessage());
    }
}
