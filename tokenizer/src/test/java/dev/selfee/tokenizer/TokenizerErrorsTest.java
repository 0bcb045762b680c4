package dev.selfee.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** A component this tokenizer does not implement, or a broken file, fails loading with one line naming file, field and type. */
class TokenizerErrorsTest {
    private static final String MODEL = "\"model\":{\"type\":\"BPE\",\"vocab\":{\"a\":0,\"b\":1,\"ab\":2},\"merges\":[\"a b\"]}";

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "\"normalizer\":{\"type\":\"BertNormalizer\"}|normalizer type 'BertNormalizer' is not supported",
            "\"normalizer\":{\"type\":\"Sequence\",\"normalizers\":[{\"type\":\"NFC\"},{\"type\":\"Precompiled\"}]}|normalizer.normalizers[1] type 'Precompiled' is not supported",
            "\"pre_tokenizer\":{\"type\":\"BertPreTokenizer\"}|pre_tokenizer type 'BertPreTokenizer' is not supported",
            "\"decoder\":{\"type\":\"WordPiece\"}|decoder type 'WordPiece' is not supported",
            "\"post_processor\":{\"type\":\"Nope\"}|post_processor type 'Nope' is not supported",
            "\"pre_tokenizer\":{\"type\":\"Split\",\"pattern\":{\"Regex\":\"(\"},\"behavior\":\"Isolated\"}|pre_tokenizer.pattern.Regex cannot be compiled",
            "\"pre_tokenizer\":{\"type\":\"Split\",\"pattern\":{\"String\":\" \"},\"behavior\":\"Sideways\"}|pre_tokenizer.behavior 'Sideways' is not one of",
            "\"normalizer\":{\"kind\":\"NFC\"}|normalizer has no \"type\""})
    void unsupportedComponentsNameThemselves(String component, String message) {
        TokenizerException e = assertThrows(TokenizerException.class,
                () -> Tokenizer.fromJson("{" + component + "," + MODEL + "}", null));
        assertTrue(e.getMessage().startsWith("tokenizer.json: "), e.getMessage());
        assertTrue(e.getMessage().contains(message), e.getMessage());
        assertEquals(1, e.getMessage().lines().count());
    }

    @Test
    void otherModelsAreRefused() {
        TokenizerException e = assertThrows(TokenizerException.class,
                () -> Tokenizer.fromJson("{\"model\":{\"type\":\"Unigram\",\"vocab\":[]}}", null));
        assertEquals("tokenizer.json: model type 'Unigram' is not supported (supported: BPE)", e.getMessage());
    }

    @Test
    void mergesMustBeInTheVocabulary() {
        TokenizerException e = assertThrows(TokenizerException.class,
                () -> Tokenizer.fromJson("{\"model\":{\"type\":\"BPE\",\"vocab\":{\"a\":0,\"b\":1},\"merges\":[\"a b\"]}}", null));
        assertEquals("tokenizer.json: merge 1 (\"a\" + \"b\"): \"ab\" is not in the vocabulary", e.getMessage());
    }

    @Test
    void idsMustBeNonNegativeIntegers() {
        TokenizerException e = assertThrows(TokenizerException.class,
                () -> Tokenizer.fromJson("{\"model\":{\"type\":\"BPE\",\"vocab\":{\"a\":-1},\"merges\":[]}}", null));
        assertEquals("tokenizer.json: model.vocab: the id of \"a\" is not an integer from 0", e.getMessage());
        e = assertThrows(TokenizerException.class, () -> Tokenizer.fromJson(
                "{\"added_tokens\":[{\"id\":-3,\"content\":\"x\"}]," + MODEL + "}", null));
        assertEquals("tokenizer.json: added_tokens[0].id -3 is negative", e.getMessage());
    }

    @Test
    void randomDropoutIsRefused() {
        TokenizerException e = assertThrows(TokenizerException.class,
                () -> Tokenizer.fromJson("{\"model\":{\"type\":\"BPE\",\"dropout\":0.1,\"vocab\":{},\"merges\":[]}}", null));
        assertTrue(e.getMessage().contains("model.dropout 0.1 is not supported"), e.getMessage());
    }

    @Test
    void brokenFilesNameThePath(@TempDir Path dir) throws IOException {
        Path tj = dir.resolve("tokenizer.json");
        Files.writeString(tj, "{\"model\": ");
        TokenizerException e = assertThrows(TokenizerException.class, () -> Tokenizer.load(dir));
        assertTrue(e.getMessage().startsWith(tj + ": not valid JSON"), e.getMessage());

        Path empty = Files.createDirectory(dir.resolve("empty"));
        e = assertThrows(TokenizerException.class, () -> Tokenizer.load(empty));
        assertEquals(empty + ": no tokenizer.json, nor encoder.json + vocab.bpe, in this directory", e.getMessage());

        Path gpt2 = Files.createDirectory(dir.resolve("gpt2"));
        Files.writeString(gpt2.resolve("encoder.json"), "{\"a\":0,\"b\":1,\"ab\":2}");
        Files.writeString(gpt2.resolve("vocab.bpe"), "#version: 0.2\na b\na b c\n");
        e = assertThrows(TokenizerException.class, () -> Tokenizer.load(gpt2));
        assertEquals(gpt2.resolve("vocab.bpe") + ": line 3: a merge must be two tokens separated by one space", e.getMessage());
    }

    @Test
    void aRegexThatOverflowsOnLongTextSaysSo() {
        Tokenizer t = Tokenizer.fromJson("{\"pre_tokenizer\":{\"type\":\"Split\",\"pattern\":{\"Regex\":\"(?:a|b)+\"},"
                + "\"behavior\":\"Isolated\"}," + MODEL + "}", null);
        assertEquals(2, t.encode("ab")[0]);
        TokenizerException e = assertThrows(TokenizerException.class, () -> t.encode("ab".repeat(500_000)));
        assertEquals("the regex (?:a|b)+ ran out of stack on a text of 1000000 chars; split the text into shorter pieces", e.getMessage());
    }

    @Test
    void aMinimalTokenizerWorks() {
        Tokenizer t = Tokenizer.fromJson("{" + MODEL + "}", null);
        assertEquals(2, t.encode("ab")[0]);
        assertEquals("ab b", t.decode(new int[] {2, 1}));
    }
}
