package dev.selfee.tokenizer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A Hugging Face tokenizer ({@code tokenizer.json}, or GPT-2's {@code encoder.json} + {@code vocab.bpe}) that
 * encodes and decodes exactly as the {@code tokenizers} library: added tokens are split out first, the rest is
 * normalized, pre-tokenized into words and encoded by BPE, then the post-processor adds BOS/EOS.
 * Thread-safe; construction is the costly part, so share one instance.
 */
public final class Tokenizer {
    private final Normalizer normalizer;           // may be null
    private final PreTokenizer preTokenizer;       // may be null: a segment is one word
    private final Bpe model;
    private final PostProcessor postProcessor;     // may be null
    private final Decoder decoder;                 // may be null: tokens joined by spaces
    private final List<AddedToken> addedTokens;
    private final AddedTokenMatcher rawMatcher, normalizedMatcher;
    private final Map<String, AddedToken> addedByContent = new HashMap<>();
    private final Set<Integer> specialIds = new HashSet<>();
    private final String[] idToToken;
    private final String bosToken, eosToken, padToken, unkToken, chatTemplate;

    Tokenizer(Normalizer normalizer, PreTokenizer preTokenizer, Bpe model, PostProcessor postProcessor, Decoder decoder,
              List<AddedToken> addedTokens, Config config) {
        this.normalizer = normalizer;
        this.preTokenizer = preTokenizer;
        this.model = model;
        this.postProcessor = postProcessor;
        this.decoder = decoder;
        this.addedTokens = List.copyOf(addedTokens);
        List<AddedToken> raw = new ArrayList<>(), norm = new ArrayList<>();
        List<String> rawPatterns = new ArrayList<>(), normPatterns = new ArrayList<>();
        for (AddedToken t : addedTokens) {
            addedByContent.putIfAbsent(t.content(), t);
            if (t.special()) specialIds.add(t.id());
            if (t.normalized()) {
                norm.add(t);
                normPatterns.add(normalizer == null ? t.content() : normalizer.normalize(t.content()));
            } else {
                raw.add(t);
                rawPatterns.add(t.content());
            }
        }
        this.rawMatcher = new AddedTokenMatcher(raw, rawPatterns);
        this.normalizedMatcher = new AddedTokenMatcher(norm, normPatterns);
        int size = 0;
        for (int id : model.vocab().values()) size = Math.max(size, id + 1);
        for (AddedToken t : addedTokens) size = Math.max(size, t.id() + 1);
        idToToken = new String[size];
        model.vocab().forEach((tok, id) -> idToToken[id] = tok);
        // as in HF, a normalized added token reads back in its normalized form
        for (AddedToken t : addedTokens)
            idToToken[t.id()] = t.normalized() && normalizer != null ? normalizer.normalize(t.content()) : t.content();
        this.bosToken = config.bos();
        this.eosToken = config.eos();
        this.padToken = config.pad();
        this.unkToken = config.unk();
        this.chatTemplate = config.chatTemplate();
    }

    /** What tokenizer_config.json adds: the names of the BOS, EOS, PAD and UNK tokens and the chat template; each may be null. */
    record Config(String bos, String eos, String pad, String unk, String chatTemplate) {}

    /**
     * Loads a tokenizer from a directory holding {@code tokenizer.json} (and optionally {@code tokenizer_config.json},
     * which names BOS/EOS/PAD and holds the chat template, {@code special_tokens_map.json} and {@code chat_template.jinja}),
     * from a {@code tokenizer.json} file itself (its siblings are read too), or from a directory with GPT-2's
     * {@code encoder.json} + {@code vocab.bpe}.
     *
     * @throws TokenizerException naming the file and field when it cannot be read or uses an unsupported component
     */
    public static Tokenizer load(Path path) {
        return TokenizerFiles.load(path);
    }

    /** A tokenizer from the text of a {@code tokenizer.json} and, optionally (null), of its {@code tokenizer_config.json}. */
    public static Tokenizer fromJson(String tokenizerJson, String tokenizerConfigJson) {
        return TokenizerFiles.fromJson(tokenizerJson, tokenizerConfigJson, "tokenizer.json");
    }

    /** The ids of {@code text}, with the special tokens the post-processor adds (BOS for Llama, none for Qwen/GPT-2). */
    public int[] encode(String text) {
        return encode(text, true);
    }

    /**
     * The ids of {@code text}. Special tokens written in the text (e.g. {@code <|im_start|>}) always become their id;
     * {@code addSpecialTokens} decides only whether the post-processor adds its own (BOS/EOS).
     * Lone surrogates, which no UTF-8 text can hold, are read as U+FFFD.
     */
    public int[] encode(String text, boolean addSpecialTokens) {
        text = withoutLoneSurrogates(text);
        IntList ids = new IntList(text.length() / 3 + 8);
        List<String> words = new ArrayList<>();
        for (AddedTokenMatcher.Segment seg : rawMatcher.split(text)) {
            if (seg.id() >= 0) {
                ids.add(seg.id());
                continue;
            }
            String normalized = normalizer == null ? seg.text() : normalizer.normalize(seg.text());
            for (AddedTokenMatcher.Segment sub : normalizedMatcher.split(normalized)) {
                if (sub.id() >= 0) {
                    ids.add(sub.id());
                    continue;
                }
                boolean atStart = seg.start() == 0 && sub.start() == 0;
                if (preTokenizer == null) {
                    model.tokenize(sub.text(), ids);
                    continue;
                }
                words.clear();
                preTokenizer.split(sub.text(), atStart, words);
                for (String w : words) model.tokenize(w, ids);
            }
        }
        int[] out = ids.toArray();
        return postProcessor == null ? out : postProcessor.process(out, addSpecialTokens);
    }

    /**
     * The words the model would encode for {@code text}: normalized and pre-tokenized, in the model's alphabet
     * (byte-level tokenizers write a space as Ġ), with no added-token matching. HF's
     * {@code pre_tokenizer.pre_tokenize_str(normalizer.normalize_str(text))}; a BPE trainer counts these.
     */
    public List<String> preTokenize(String text) {
        text = withoutLoneSurrogates(text);
        String normalized = normalizer == null ? text : normalizer.normalize(text);
        List<String> words = new ArrayList<>();
        if (preTokenizer == null) {
            if (!normalized.isEmpty()) words.add(normalized);
        } else {
            preTokenizer.split(normalized, true, words);
        }
        return words;
    }

    /** The text of {@code ids}, special tokens included. */
    public String decode(int[] ids) {
        return decode(ids, false);
    }

    /**
     * The text of {@code ids} as HF's {@code decode}: ids outside the vocabulary are skipped, invalid UTF-8 becomes U+FFFD.
     *
     * @param skipSpecialTokens leave out added tokens marked special (BOS, EOS, {@code <|im_end|>}, ...)
     */
    public String decode(int[] ids, boolean skipSpecialTokens) {
        List<String> tokens = new ArrayList<>(ids.length);
        for (int id : ids) {
            String t = idToToken(id);
            if (t == null || (skipSpecialTokens && specialIds.contains(id))) continue;
            tokens.add(t);
        }
        return decoder == null ? String.join(" ", tokens) : decoder.decode(tokens);
    }

    /** A decoder for generation: give it ids one at a time, it returns the new complete text. */
    public StreamingDecoder streamingDecoder(boolean skipSpecialTokens) {
        return new StreamingDecoder(this, skipSpecialTokens);
    }

    /** One more than the largest id (model vocabulary and added tokens): the rows an embedding needs. */
    public int vocabSize() {
        return idToToken.length;
    }

    /** The id of a token string (added tokens first, then the model's vocabulary), or -1. */
    public int tokenToId(String token) {
        AddedToken t = addedByContent.get(token);
        if (t != null) return t.id();
        Integer id = model.vocab().get(token);
        return id == null ? -1 : id;
    }

    /** The token string of an id, or null when no token has it. */
    public String idToToken(int id) {
        return id >= 0 && id < idToToken.length ? idToToken[id] : null;
    }

    public List<AddedToken> addedTokens() {
        return addedTokens;
    }

    /** The contents of the added tokens marked special, in id order of the file. */
    public List<String> specialTokens() {
        List<String> out = new ArrayList<>();
        for (AddedToken t : addedTokens) if (t.special()) out.add(t.content());
        return Collections.unmodifiableList(out);
    }

    public boolean isSpecial(int id) {
        return specialIds.contains(id);
    }

    /** The BOS token named by tokenizer_config.json (GPT-2 files: {@code <|endoftext|>}), or null. */
    public String bosToken() {
        return bosToken;
    }

    public String eosToken() {
        return eosToken;
    }

    public String padToken() {
        return padToken;
    }

    public String unkToken() {
        return unkToken;
    }

    /**
     * The chat template (Jinja source) from {@code chat_template.jinja} or tokenizer_config.json's {@code chat_template}
     * (the one named "default" when it is a list), or null.
     */
    public String chatTemplate() {
        return chatTemplate;
    }

    /** The id of {@link #bosToken()}, or -1 when there is none. */
    public int bosId() {
        return bosToken == null ? -1 : tokenToId(bosToken);
    }

    public int eosId() {
        return eosToken == null ? -1 : tokenToId(eosToken);
    }

    public int padId() {
        return padToken == null ? -1 : tokenToId(padToken);
    }

    public int unkId() {
        return unkToken == null ? -1 : tokenToId(unkToken);
    }

    private static String withoutLoneSurrogates(String s) {
        int n = s.length(), i = 0;
        while (i < n && !Character.isSurrogate(s.charAt(i))) i++;
        if (i == n) return s; // the common case: no surrogates at all
        StringBuilder sb = new StringBuilder(n).append(s, 0, i);
        for (; i < n; i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                sb.append(c).append(s.charAt(++i));
            } else {
                sb.append(Character.isSurrogate(c) ? '\uFFFD' : c);
            }
        }
        return sb.toString();
    }
}
