package dev.selfee.tokenizer.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.selfee.tokenizer.ByteLevelAlphabet;
import dev.selfee.tokenizer.PretokenizerScanner;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The result of {@link BpeTrainer}: tokens by id (special tokens, 256 byte symbols, merged tokens) and
 * the merges in rank order. Writes HF's {@code tokenizer.json} (BPE model, ByteLevel pre-tokenizer,
 * post-processor and decoder) and a {@code tokenizer_config.json}.
 */
public final class TrainedBpe {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final BpeTrainer.Config config;
    private final List<String> tokens;
    private final List<String[]> merges;
    private final Map<String, Integer> ids = new HashMap<>();
    private final Map<String, Integer> ranks = new HashMap<>();

    TrainedBpe(BpeTrainer.Config config, List<String> tokens, List<String[]> merges) {
        this.config = config;
        this.tokens = List.copyOf(tokens);
        this.merges = List.copyOf(merges);
        for (int i = 0; i < this.tokens.size(); i++) ids.put(this.tokens.get(i), i);
        for (int r = 0; r < this.merges.size(); r++) ranks.putIfAbsent(key(this.merges.get(r)[0], this.merges.get(r)[1]), r);
    }

    /** Tokens by id. */
    public List<String> tokens() {
        return tokens;
    }

    /** Merges in rank order, each {left, right}. */
    public List<String[]> merges() {
        return merges;
    }

    public List<String> specialTokens() {
        return config.specialTokens();
    }

    public int id(String token) {
        Integer id = ids.get(token);
        if (id == null) throw new IllegalArgumentException("token '" + token + "' is not in the vocabulary");
        return id;
    }

    private static String key(String a, String b) {
        return a + '\u0000' + b;
    }

    /**
     * Encodes {@code text} the way the merges imply: special tokens cut out first, then GPT-2 pieces in
     * byte-level form, in each of which the adjacent pair of lowest merge rank is merged (every
     * occurrence, left to right) until no pair has a rank. A plain reference, not a fast encoder.
     */
    public List<Integer> encodeWithMerges(String text) {
        List<Integer> out = new ArrayList<>();
        for (String part : splitOnSpecials(text, config.specialTokens())) {
            if (config.specialTokens().contains(part)) {
                out.add(ids.get(part));
                continue;
            }
            for (String piece : PretokenizerScanner.splitGpt2(part)) {
                List<String> symbols = new ArrayList<>();
                for (char c : ByteLevelAlphabet.encode(piece).toCharArray()) symbols.add(String.valueOf(c));
                while (symbols.size() > 1) {
                    int best = -1, bestRank = Integer.MAX_VALUE;
                    for (int i = 0; i + 1 < symbols.size(); i++) {
                        Integer r = ranks.get(key(symbols.get(i), symbols.get(i + 1)));
                        if (r != null && r < bestRank) {
                            bestRank = r;
                            best = i;
                        }
                    }
                    if (best < 0) break;
                    String a = symbols.get(best), b = symbols.get(best + 1);
                    List<String> next = new ArrayList<>();
                    for (int i = 0; i < symbols.size(); i++) {
                        if (i + 1 < symbols.size() && symbols.get(i).equals(a) && symbols.get(i + 1).equals(b)) {
                            next.add(a + b);
                            i++;
                        } else {
                            next.add(symbols.get(i));
                        }
                    }
                    symbols = next;
                }
                for (String s : symbols) out.add(ids.get(s));
            }
        }
        return out;
    }

    /** The text {@code ids} stand for (special tokens included). */
    public String decode(List<Integer> tokenIds) {
        StringBuilder out = new StringBuilder();
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        for (int id : tokenIds) {
            String t = tokens.get(id);
            if (id < config.specialTokens().size()) {
                out.append(bytes.toString(StandardCharsets.UTF_8));
                bytes.reset();
                out.append(t);
            } else {
                bytes.writeBytes(ByteLevelAlphabet.decode(t));
            }
        }
        return out.append(bytes.toString(StandardCharsets.UTF_8)).toString();
    }

    /** Cuts {@code text} around the special tokens (leftmost, then longest match), keeping them as parts. */
    static List<String> splitOnSpecials(String text, List<String> specials) {
        List<String> parts = new ArrayList<>();
        int start = 0;
        while (start < text.length()) {
            int at = -1;
            String hit = null;
            for (String s : specials) {
                int k = text.indexOf(s, start);
                if (k >= 0 && (at < 0 || k < at || (k == at && s.length() > hit.length()))) {
                    at = k;
                    hit = s;
                }
            }
            if (hit == null) break;
            if (at > start) parts.add(text.substring(start, at));
            parts.add(hit);
            start = at + hit.length();
        }
        if (start < text.length()) parts.add(text.substring(start));
        return parts;
    }

    /** HF {@code tokenizer.json}. */
    public String tokenizerJson() {
        ObjectNode root = JSON.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        for (String s : config.specialTokens()) {
            ObjectNode t = added.addObject();
            t.put("id", ids.get(s));
            t.put("content", s);
            t.put("single_word", false);
            t.put("lstrip", false);
            t.put("rstrip", false);
            t.put("normalized", false);
            t.put("special", true);
        }
        root.putNull("normalizer");
        root.set("pre_tokenizer", byteLevel(false, true));
        root.set("post_processor", byteLevel(true, false));
        root.set("decoder", byteLevel(true, true));
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        model.putNull("dropout");
        model.putNull("unk_token");
        model.putNull("continuing_subword_prefix");
        model.putNull("end_of_word_suffix");
        model.put("fuse_unk", false);
        model.put("byte_fallback", false);
        model.put("ignore_merges", false);
        ObjectNode vocab = model.putObject("vocab");
        for (int i = 0; i < tokens.size(); i++) vocab.put(tokens.get(i), i);
        ArrayNode m = model.putArray("merges");
        for (String[] pair : merges) m.addArray().add(pair[0]).add(pair[1]);
        return write(root);
    }

    private static ObjectNode byteLevel(boolean addPrefixSpace, boolean trimOffsets) {
        ObjectNode n = JSON.createObjectNode();
        n.put("type", "ByteLevel");
        n.put("add_prefix_space", addPrefixSpace);
        n.put("trim_offsets", trimOffsets);
        n.put("use_regex", true);
        return n;
    }

    /** HF {@code tokenizer_config.json}: special tokens, model_max_length, the fast tokenizer class. */
    public String tokenizerConfigJson() {
        return tokenizerConfigJson(null);
    }

    /** The same, with {@code chatTemplate} (Jinja source, may be null) as its {@code chat_template}. */
    public String tokenizerConfigJson(String chatTemplate) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode decoder = root.putObject("added_tokens_decoder");
        for (String s : config.specialTokens()) {
            ObjectNode t = decoder.putObject(Integer.toString(ids.get(s)));
            t.put("content", s);
            t.put("lstrip", false);
            t.put("normalized", false);
            t.put("rstrip", false);
            t.put("single_word", false);
            t.put("special", true);
        }
        if (config.bosToken() != null) root.put("bos_token", config.bosToken());
        root.put("eos_token", config.eosToken());
        if (config.padToken() != null) root.put("pad_token", config.padToken());
        root.put("clean_up_tokenization_spaces", false);
        root.put("model_max_length", config.modelMaxLength());
        root.put("tokenizer_class", "PreTrainedTokenizerFast");
        if (chatTemplate != null) root.put("chat_template", chatTemplate);
        return write(root);
    }

    /** Writes tokenizer.json and tokenizer_config.json into {@code dir}, each atomically. */
    public void write(Path dir) throws IOException {
        write(dir, null);
    }

    /** The same, with a chat template (may be null) in tokenizer_config.json. */
    public void write(Path dir, String chatTemplate) throws IOException {
        AtomicFile.write(dir.resolve("tokenizer.json"), tokenizerJson().getBytes(StandardCharsets.UTF_8));
        AtomicFile.write(dir.resolve("tokenizer_config.json"), tokenizerConfigJson(chatTemplate).getBytes(StandardCharsets.UTF_8));
    }

    private static String write(ObjectNode root) {
        try {
            return JSON.writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
