package dev.selfee.spa.train;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.selfee.spa.data.Message;
import dev.selfee.spa.data.PreferenceExample;
import dev.selfee.spa.data.SftExample;
import dev.selfee.spa.data.Text;
import dev.selfee.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ExampleEncoderTest {
    private static final String TEMPLATE = "{% for m in messages %}<|{{ m.role }}|>\\n{{ m.content }}{{ eos_token }}\\n{% endfor %}"
            + "{% if add_generation_prompt %}<|assistant|>\\n{% endif %}";

    /** The test BPE tokenizer with a post-processor that adds BOS (id 0), as Llama's does, and a zephyr-like chat template. */
    static Tokenizer tokenizer() throws IOException {
        ObjectMapper json = new ObjectMapper();
        Path dir = Path.of(ExampleEncoderTest.class.getResource("/train/tokenizer/tokenizer.json").getPath()).getParent();
        ObjectNode root = (ObjectNode) json.readTree(Files.readString(dir.resolve("tokenizer.json")));
        root.set("post_processor", json.readTree("""
                {"type": "TemplateProcessing",
                 "single": [{"SpecialToken": {"id": "<|endoftext|>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
                 "pair": [{"Sequence": {"id": "A", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}}],
                 "special_tokens": {"<|endoftext|>": {"id": "<|endoftext|>", "ids": [0], "tokens": ["<|endoftext|>"]}}}"""));
        String config = "{\"bos_token\": \"<|endoftext|>\", \"eos_token\": \"<|endoftext|>\", \"pad_token\": \"<pad>\", \"chat_template\": \"" + TEMPLATE + "\"}";
        return Tokenizer.fromJson(root.toString(), config);
    }

    private static int[] concat(int[]... parts) {
        return java.util.Arrays.stream(parts).flatMapToInt(java.util.Arrays::stream).toArray();
    }

    @Test
    void textPromptsGetTheTokenizersBosAndCompletionsGetEos() throws IOException {
        Tokenizer t = tokenizer();
        ExampleEncoder enc = new ExampleEncoder(t, Truncation.none());
        var out = enc.pairs(List.of(new PreferenceExample(new Text.Plain("The quick brown"), new Text.Plain(" fox"), new Text.Plain(" dog."))));
        TokenizedPair p = out.items().getFirst();
        assertArrayEquals(concat(new int[] {0}, t.encode("The quick brown", false)), p.prompt());
        assertArrayEquals(concat(t.encode(" fox", false), new int[] {0}), p.chosen());
        assertArrayEquals(concat(t.encode(" dog.", false), new int[] {0}), p.rejected());
        assertEquals(0, out.promptsTruncated() + out.completionsTruncated());
    }

    @Test
    void idsAreTakenAsGivenWithEosAppendedWhereMissing() throws IOException {
        ExampleEncoder enc = new ExampleEncoder(null, 2, Truncation.none());
        var p = enc.pairs(List.of(new PreferenceExample(new Text.Ids(new int[] {1, 9}), new Text.Ids(new int[] {5, 6}), new Text.Ids(new int[] {7, 2}))))
                .items().getFirst();
        assertArrayEquals(new int[] {1, 9}, p.prompt());
        assertArrayEquals(new int[] {5, 6, 2}, p.chosen());
        assertArrayEquals(new int[] {7, 2}, p.rejected());
        var e = assertThrows(IllegalArgumentException.class,
                () -> enc.pairs(List.of(new PreferenceExample(new Text.Plain("hi"), new Text.Ids(new int[] {5}), new Text.Ids(new int[] {6})))));
        assertEquals("record 1: text needs a tokenizer; give token ids (*_ids fields) or a tokenizer", e.getMessage());
    }

    @Test
    void messageListsAreRenderedByTheChatTemplate() throws IOException {
        Tokenizer t = tokenizer();
        ExampleEncoder enc = new ExampleEncoder(t, Truncation.none());
        SftExample ex = new SftExample(new Text.Chat(List.of(new Message("user", "Hi there"))), new Text.Chat(List.of(new Message("assistant", "Hello!"))));
        TokenizedExample e = enc.examples(List.of(ex)).items().getFirst();
        assertArrayEquals(t.encode("<|user|>\nHi there<|endoftext|>\n<|assistant|>\n", false), e.prompt());
        assertArrayEquals(t.encode("Hello!<|endoftext|>\n", false), e.completion(), "the template closes the turn; nothing is appended");
    }

    @Test
    void truncationKeepsThePromptsEndAndTheCompletionsStartAndCounts() {
        ExampleEncoder enc = new ExampleEncoder(null, 2, new Truncation(8, 4));
        int[] longPrompt = IntStream.range(10, 20).toArray(), longCompletion = IntStream.range(30, 36).toArray();
        var out = enc.pairs(List.of(
                new PreferenceExample(new Text.Ids(longPrompt), new Text.Ids(longCompletion), new Text.Ids(new int[] {40})),
                new PreferenceExample(new Text.Ids(new int[] {1, 3}), new Text.Ids(new int[] {4}), new Text.Ids(new int[] {5}))));
        TokenizedPair p = out.items().getFirst();
        assertArrayEquals(new int[] {16, 17, 18, 19}, p.prompt());
        assertArrayEquals(new int[] {30, 31, 32, 33}, p.chosen(), "6 tokens + EOS cut to the 4 that fit after the prompt");
        assertArrayEquals(new int[] {40, 2}, p.rejected());
        assertEquals(1, out.promptsTruncated());
        assertEquals(1, out.completionsTruncated());
        assertEquals("1 of 2 prompts and 1 completions truncated (max length 8, max prompt length 4)", out.report(new Truncation(8, 4)));
        // a prompt that alone fills max length keeps its last half
        assertArrayEquals(new int[] {16, 17, 18, 19}, new Truncation(8, 0).prompt(longPrompt));
    }

    @Test
    void badTruncationSettingsAreRefused() {
        var e = assertThrows(IllegalArgumentException.class, () -> new Truncation(8, 8));
        assertEquals("max prompt length 8 must be below max length 8", e.getMessage());
    }
}
