package dev.selfee.tokenizer.train;

import dev.selfee.tokenizer.ByteLevelAlphabet;
import dev.selfee.tokenizer.PretokenizerScanner;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Trains a byte-level BPE vocabulary on a small corpus: special tokens first, then the 256 byte symbols,
 * then one token per merge of the most frequent adjacent pair until the vocabulary reaches its target size.
 * Pair counts are kept up to date incrementally (only words containing the merged pair are revisited) and
 * the best pair comes from a max-heap with lazy deletion; ties go to the pair with the smaller ids, so
 * the result is a pure function of the corpus and settings. Ids and tie-breaking follow HF tokenizers'
 * {@code BpeTrainer}, which learns the same merges from the same words.
 */
public final class BpeTrainer {
    /**
     * Settings. {@code vocabSize} counts special tokens and the 256 bytes; pairs seen fewer than
     * {@code minFrequency} times are never merged. {@code bosToken}/{@code padToken} may be null.
     */
    public record Config(int vocabSize, int minFrequency, String bosToken, String eosToken, String padToken,
                         List<String> extraSpecialTokens, int modelMaxLength) {
        public Config {
            if (minFrequency < 1) throw new IllegalArgumentException("min frequency must be at least 1, got " + minFrequency);
            if (eosToken == null || eosToken.isEmpty()) throw new IllegalArgumentException("an eos token is required");
            if (modelMaxLength < 1) throw new IllegalArgumentException("model max length must be positive, got " + modelMaxLength);
            extraSpecialTokens = List.copyOf(extraSpecialTokens);
            int specials = specialTokens(bosToken, eosToken, padToken, extraSpecialTokens).size();
            if (vocabSize < 256 + specials) {
                throw new IllegalArgumentException("vocab size " + vocabSize + " is below the " + (256 + specials)
                        + " needed for 256 bytes and " + specials + " special tokens");
            }
        }

        /** GPT-2-like defaults: {@code <|endoftext|>} as eos (and bos), {@code <pad>} for padding. */
        public static Config of(int vocabSize) {
            return new Config(vocabSize, 2, "<|endoftext|>", "<|endoftext|>", "<pad>", List.of(), 2048);
        }

        /** The distinct special tokens in id order: eos, bos, pad, then the extra ones. */
        public List<String> specialTokens() {
            return specialTokens(bosToken, eosToken, padToken, extraSpecialTokens);
        }

        private static List<String> specialTokens(String bos, String eos, String pad, List<String> extra) {
            Set<String> s = new LinkedHashSet<>();
            s.add(eos);
            if (bos != null) s.add(bos);
            if (pad != null) s.add(pad);
            for (String t : extra) {
                if (t == null || t.isEmpty()) throw new IllegalArgumentException("special tokens must be non-empty");
                s.add(t);
            }
            return List.copyOf(s);
        }
    }

    private final Config config;
    private final List<String> idToToken = new ArrayList<>();
    private final Map<String, Integer> tokenToId = new HashMap<>();
    private final List<String[]> merges = new ArrayList<>();

    // The training words (distinct pre-tokenized pieces as symbol ids) and how often each occurs.
    private final List<int[]> words = new ArrayList<>();
    private final List<Long> wordCounts = new ArrayList<>();
    private final Map<Long, Long> pairCounts = new HashMap<>();
    private final Map<Long, Set<Integer>> pairWords = new HashMap<>();
    private final PriorityQueue<long[]> heap = new PriorityQueue<>((x, y) -> x[0] != y[0] ? Long.compare(y[0], x[0]) : Long.compare(x[1], y[1]));

    private BpeTrainer(Config config) {
        this.config = config;
    }

    /** Trains on {@code documents}; occurrences of the special tokens in the text are cut out, not learned. */
    public static TrainedBpe train(List<String> documents, Config config) {
        BpeTrainer t = new BpeTrainer(config);
        t.initVocabulary();
        t.countWords(documents);
        t.countPairs();
        t.mergeUntilFull();
        return new TrainedBpe(config, t.idToToken, t.merges);
    }

    /** Special tokens, then the byte symbols in character order (as GPT-2's vocabulary and HF's trainer have them). */
    private void initVocabulary() {
        for (String s : config.specialTokens()) add(s);
        char[] alphabet = new char[256];
        for (int b = 0; b < 256; b++) alphabet[b] = ByteLevelAlphabet.charOf(b);
        java.util.Arrays.sort(alphabet);
        for (char c : alphabet) add(String.valueOf(c));
    }

    private int add(String token) {
        int id = idToToken.size();
        idToToken.add(token);
        tokenToId.put(token, id);
        return id;
    }

    private void countWords(List<String> documents) {
        Map<String, long[]> pieces = new HashMap<>();
        for (String doc : documents) {
            for (String part : TrainedBpe.splitOnSpecials(doc, config.specialTokens())) {
                if (config.specialTokens().contains(part)) continue;
                for (String piece : PretokenizerScanner.splitGpt2(part)) pieces.computeIfAbsent(piece, k -> new long[1])[0]++;
            }
        }
        TreeMap<String, Long> counts = new TreeMap<>(); // sorted: word order, hence the result, is deterministic
        pieces.forEach((piece, n) -> counts.merge(ByteLevelAlphabet.encode(piece), n[0], Long::sum));
        counts.forEach((w, n) -> {
            int[] symbols = new int[w.length()];
            for (int i = 0; i < symbols.length; i++) symbols[i] = tokenToId.get(String.valueOf(w.charAt(i)));
            words.add(symbols);
            wordCounts.add(n);
        });
    }

    private void countPairs() {
        for (int w = 0; w < words.size(); w++) addPairs(w, null);
        pairCounts.forEach((p, n) -> heap.add(new long[] {n, p}));
    }

    private static long pair(int a, int b) {
        return ((long) a << 32) | (b & 0xFFFFFFFFL);
    }

    /** Adds word {@code w}'s adjacent pairs to the counts (and records which pairs changed). */
    private void addPairs(int w, Set<Long> changed) {
        int[] s = words.get(w);
        long n = wordCounts.get(w);
        for (int i = 0; i + 1 < s.length; i++) {
            long p = pair(s[i], s[i + 1]);
            pairCounts.merge(p, n, Long::sum);
            pairWords.computeIfAbsent(p, k -> new TreeSet<>()).add(w);
            if (changed != null) changed.add(p);
        }
    }

    private void removePairs(int w, Set<Long> changed) {
        int[] s = words.get(w);
        long n = wordCounts.get(w);
        for (int i = 0; i + 1 < s.length; i++) {
            long p = pair(s[i], s[i + 1]);
            pairCounts.merge(p, -n, Long::sum);
            changed.add(p);
        }
    }

    private void mergeUntilFull() {
        while (idToToken.size() < config.vocabSize() && !heap.isEmpty()) {
            long[] top = heap.poll();
            long p = top[1];
            long count = pairCounts.getOrDefault(p, 0L);
            if (count != top[0] || count == 0) continue; // stale entry: a fresher one is in the heap
            if (count < config.minFrequency()) break;
            int a = (int) (p >>> 32), b = (int) p;
            String merged = idToToken.get(a) + idToToken.get(b);
            Integer existing = tokenToId.get(merged);
            if (existing != null && existing < config.specialTokens().size()) {
                pairCounts.put(p, 0L); // byte-level pieces never spell a special token; guard anyway
                continue;
            }
            int id = existing != null ? existing : add(merged);
            merges.add(new String[] {idToToken.get(a), idToToken.get(b)});
            Set<Long> changed = new LinkedHashSet<>();
            for (int w : pairWords.remove(p)) {
                if (!contains(words.get(w), a, b)) continue;
                removePairs(w, changed);
                words.set(w, mergeWord(words.get(w), a, b, id));
                addPairs(w, changed);
            }
            for (long c : changed) {
                long n = pairCounts.getOrDefault(c, 0L);
                if (n > 0) heap.add(new long[] {n, c});
                else pairCounts.remove(c);
            }
        }
    }

    private static boolean contains(int[] s, int a, int b) {
        for (int i = 0; i + 1 < s.length; i++) if (s[i] == a && s[i + 1] == b) return true;
        return false;
    }

    /** Replaces each occurrence of (a, b), left to right and non-overlapping, by {@code id}. */
    static int[] mergeWord(int[] s, int a, int b, int id) {
        int[] out = new int[s.length];
        int n = 0;
        for (int i = 0; i < s.length; i++) {
            if (i + 1 < s.length && s[i] == a && s[i + 1] == b) {
                out[n++] = id;
                i++;
            } else {
                out[n++] = s[i];
            }
        }
        return java.util.Arrays.copyOf(out, n);
    }
}
