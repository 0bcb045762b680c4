package dev.selfee.tokenizer.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.selfee.tokenizer.ByteLevelAlphabet;
import dev.selfee.tokenizer.PretokenizerScanner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BpeTrainerTest {
    private static BpeTrainer.Config config(int vocab, int minFrequency) {
        return new BpeTrainer.Config(vocab, minFrequency, null, "<eos>", "<pad>", List.of(), 64);
    }

    @Test
    void learnsTheMostFrequentPairsFirst() {
        // "ab" is in every word, "abc" in most: merges come in frequency order
        TrainedBpe bpe = BpeTrainer.train(List.of("ab ab ab abc abc abx"), config(2 + 256 + 3, 1));
        List<String> merges = bpe.merges().stream().map(m -> m[0] + "+" + m[1]).toList();
        assertEquals(List.of("a+b", "Ġ+ab", "Ġab+c"), merges);
        assertEquals(List.of("<eos>", "<pad>"), bpe.tokens().subList(0, 2));
        assertEquals("Ġabc", bpe.tokens().get(260));
    }

    @Test
    void stopsWhenNoPairIsFrequentEnough() {
        // words "xy", "Ġxy", "Ġzw": x+y is seen twice, everything after that once
        TrainedBpe bpe = BpeTrainer.train(List.of("xy xy zw"), config(1000, 2));
        assertEquals(List.of("x+y"), bpe.merges().stream().map(m -> m[0] + "+" + m[1]).toList());
        assertEquals(2 + 256 + 1, bpe.tokens().size());
    }

    @Test
    void specialTokensInTheCorpusAreNotLearned() {
        TrainedBpe bpe = BpeTrainer.train(List.of("<eos><eos><eos><eos>"), config(400, 1));
        assertTrue(bpe.merges().isEmpty(), "only special tokens: nothing to merge");
        assertEquals(List.of(0, 0), bpe.encodeWithMerges("<eos><eos>"));
    }

    /** Incremental pair counts must pick the same merges as recounting every pair from scratch each step. */
    @Test
    void incrementalCountsMatchRecountingFromScratch() throws Exception {
        List<String> docs = JsonlCorpus.read(BpeTrainerFixtureTest.resource("corpus.jsonl"));
        BpeTrainer.Config c = config(2 + 256 + 150, 2);
        TrainedBpe fast = BpeTrainer.train(docs, c);
        List<String[]> slow = naiveMerges(docs, c);
        assertEquals(slow.size(), fast.merges().size());
        for (int i = 0; i < slow.size(); i++) assertArrayEquals(slow.get(i), fast.merges().get(i), "merge " + i);
    }

    private static List<String[]> naiveMerges(List<String> docs, BpeTrainer.Config c) {
        Map<String, Integer> ids = new HashMap<>();
        List<String> tokens = new ArrayList<>(c.specialTokens());
        for (int b = 0; b < 256; b++) tokens.add(String.valueOf(ByteLevelAlphabet.charOf(b)));
        tokens.subList(c.specialTokens().size(), tokens.size()).sort(null);
        for (int i = 0; i < tokens.size(); i++) ids.put(tokens.get(i), i);
        TreeMap<String, Long> counts = new TreeMap<>();
        for (String d : docs) for (String p : PretokenizerScanner.splitGpt2(d)) counts.merge(ByteLevelAlphabet.encode(p), 1L, Long::sum);
        List<int[]> words = new ArrayList<>();
        List<Long> freq = new ArrayList<>();
        counts.forEach((w, n) -> {
            words.add(w.chars().map(ch -> ids.get(String.valueOf((char) ch))).toArray());
            freq.add(n);
        });
        List<String[]> merges = new ArrayList<>();
        while (tokens.size() < c.vocabSize()) {
            Map<Long, Long> pairs = new HashMap<>();
            for (int w = 0; w < words.size(); w++) {
                int[] s = words.get(w);
                for (int i = 0; i + 1 < s.length; i++) pairs.merge(((long) s[i] << 32) | s[i + 1], freq.get(w), Long::sum);
            }
            long best = -1, bestCount = 0;
            for (Map.Entry<Long, Long> e : pairs.entrySet()) {
                if (e.getValue() > bestCount || (e.getValue() == bestCount && e.getKey() < best)) {
                    best = e.getKey();
                    bestCount = e.getValue();
                }
            }
            if (bestCount < c.minFrequency()) break;
            int a = (int) (best >>> 32), b = (int) best;
            String merged = tokens.get(a) + tokens.get(b);
            int id = ids.computeIfAbsent(merged, k -> {
                tokens.add(k);
                return tokens.size() - 1;
            });
            merges.add(new String[] {tokens.get(a), tokens.get(b)});
            words.replaceAll(s -> BpeTrainer.mergeWord(s, a, b, id));
        }
        return merges;
    }

    @Test
    void trainingIsDeterministicAndIndependentOfDocumentOrder() {
        List<String> docs = List.of("the cat sat on the mat", "the dog sat on the log", "a cat and a dog");
        TrainedBpe x = BpeTrainer.train(docs, config(300, 1));
        TrainedBpe y = BpeTrainer.train(List.of(docs.get(2), docs.get(0), docs.get(1)), config(300, 1));
        assertEquals(x.tokenizerJson(), y.tokenizerJson());
    }

    @Test
    void rejectsAVocabularyTooSmallForBytesAndSpecials() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> config(257, 1));
        assertEquals("vocab size 257 is below the 258 needed for 256 bytes and 2 special tokens", e.getMessage());
    }

    @Test
    void writesBothFilesAtomicallyLeavingNoTempFiles(@TempDir Path dir) throws Exception {
        TrainedBpe bpe = BpeTrainer.train(List.of("hello hello world"), config(270, 1));
        Path out = dir.resolve("tok");
        bpe.write(out);
        bpe.write(out); // overwriting is fine
        try (var files = Files.list(out)) {
            assertEquals(List.of("tokenizer.json", "tokenizer_config.json"), files.map(p -> p.getFileName().toString()).sorted().toList());
        }
        String cfg = Files.readString(out.resolve("tokenizer_config.json"));
        assertTrue(cfg.contains("\"eos_token\" : \"<eos>\"") && cfg.contains("\"model_max_length\" : 64"), cfg);
        assertFalse(cfg.contains("bos_token"), "no bos token was configured");
    }

    @Test
    void corpusErrorsNameFileAndLine(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("d.jsonl");
        Files.writeString(f, "{\"text\": \"ok\", \"chosen\": [{\"role\": \"user\", \"content\": \"c\"}], \"rejected\": \"r\"}\n\n{\"text\": 3}\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> JsonlCorpus.read(f));
        assertEquals(f + ":3: field \"text\" must be a string or a list of messages", e.getMessage());
        Files.writeString(f, "{\"text\": \"ok\", \"chosen\": [{\"role\": \"user\", \"content\": \"c\"}], \"rejected\": \"r\"}\n{oops\n");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> JsonlCorpus.read(f)).getMessage().startsWith(f + ":2: not valid JSON"));
        Files.writeString(f, "{\"text\": \"ok\", \"chosen\": [{\"role\": \"user\", \"content\": \"c\"}], \"rejected\": \"r\"}\n{\"id\": 1}\n");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> JsonlCorpus.read(f)).getMessage().startsWith(f + ":2: no text"));
        Files.writeString(f, "{\"text\": \"ok\", \"chosen\": [{\"role\": \"user\", \"content\": \"c\"}], \"rejected\": \"r\"}\n");
        assertEquals(List.of("ok", "c", "r"), JsonlCorpus.read(f));
    }
}
