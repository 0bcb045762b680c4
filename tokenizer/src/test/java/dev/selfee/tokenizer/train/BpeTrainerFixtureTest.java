package dev.selfee.tokenizer.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The committed bpe/tokenizer.json was written by this trainer (see tools/check_trained_tokenizer.py) and
 * encoded by HF tokenizers into bpe/encodings.json. Retraining must reproduce the file exactly, and the
 * trainer's own merges must encode every test string to HF's ids.
 */
class BpeTrainerFixtureTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static TrainedBpe bpe;

    static Path resource(String name) throws URISyntaxException {
        return Path.of(BpeTrainerFixtureTest.class.getResource("/bpe/" + name).toURI());
    }

    @BeforeAll
    static void train() throws Exception {
        bpe = BpeTrainer.train(JsonlCorpus.read(resource("corpus.jsonl")), BpeTrainer.Config.of(500));
    }

    @Test
    void retrainingWritesTheCommittedFilesByteForByte() throws Exception {
        assertEquals(Files.readString(resource("tokenizer.json"), StandardCharsets.UTF_8), bpe.tokenizerJson());
        assertEquals(Files.readString(resource("tokenizer_config.json"), StandardCharsets.UTF_8), bpe.tokenizerConfigJson());
        assertEquals(500, bpe.tokens().size());
    }

    @Test
    void mergesEncodeLikeHfTokenizersAndDecodeBack() throws IOException, URISyntaxException {
        List<Map<String, Object>> cases = JSON.readValue(resource("encodings.json").toFile(), new TypeReference<>() { });
        assertEquals(18, cases.size());
        for (Map<String, Object> c : cases) {
            String text = (String) c.get("text");
            List<Integer> ids = bpe.encodeWithMerges(text);
            assertEquals(c.get("ids"), ids, text);
            assertEquals(c.get("tokens"), ids.stream().map(bpe.tokens()::get).toList(), text);
            assertEquals(text, bpe.decode(ids), text);
        }
    }
}
