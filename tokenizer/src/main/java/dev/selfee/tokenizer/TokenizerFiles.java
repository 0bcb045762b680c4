package dev.selfee.tokenizer;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/** Reads tokenizer.json (+ tokenizer_config.json) or GPT-2's encoder.json + vocab.bpe into a {@link Tokenizer}. */
final class TokenizerFiles {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String file;

    private TokenizerFiles(String file) {
        this.file = file;
    }

    static Tokenizer load(Path path) {
        if (Files.isDirectory(path)) {
            Path tj = path.resolve("tokenizer.json");
            if (Files.isRegularFile(tj)) return loadJson(tj);
            Path enc = path.resolve("encoder.json"), merges = path.resolve("vocab.bpe");
            if (Files.isRegularFile(enc) && Files.isRegularFile(merges)) return gpt2(enc, merges);
            throw new TokenizerException(path + ": no tokenizer.json, nor encoder.json + vocab.bpe, in this directory");
        }
        if (!Files.isRegularFile(path)) throw new TokenizerException(path + ": no such tokenizer file or directory");
        return loadJson(path);
    }

    private static Tokenizer loadJson(Path tokenizerJson) {
        Path config = tokenizerJson.resolveSibling("tokenizer_config.json");
        Path specialMap = tokenizerJson.resolveSibling("special_tokens_map.json");
        Path template = tokenizerJson.resolveSibling("chat_template.jinja");
        TokenizerFiles f = new TokenizerFiles(tokenizerJson.toString());
        return f.build(f.readTokenizerJson(read(tokenizerJson)),
                Files.isRegularFile(config) ? parse(read(config), config.toString()) : null,
                Files.isRegularFile(specialMap) ? parse(read(specialMap), specialMap.toString()) : null,
                Files.isRegularFile(template) ? read(template) : null);
    }

    private static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new TokenizerException(p + ": cannot read: " + e.getMessage(), e);
        }
    }

    private static JsonNode parse(String text, String file) {
        try {
            return JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw invalidJson(file, e);
        }
    }

    static Tokenizer fromJson(String tokenizerJson, String configJson, String file) {
        TokenizerFiles f = new TokenizerFiles(file);
        return f.build(f.readTokenizerJson(tokenizerJson),
                configJson == null ? null : parse(configJson, "tokenizer_config.json"), null, null);
    }

    /**
     * tokenizer.json as a tree, except the model's vocab and merges (most of the file), which are read
     * straight into a map and a list rather than into a node per entry.
     */
    private record TokenizerJson(JsonNode root, Map<String, Integer> vocab, List<String[]> merges) {}

    private TokenizerJson readTokenizerJson(String text) {
        try (JsonParser p = JSON.createParser(text)) {
            if (p.nextToken() != JsonToken.START_OBJECT) throw fail("the top level is not a JSON object");
            ObjectNode root = JSON.createObjectNode();
            Map<String, Integer> vocab = null;
            List<String[]> merges = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                if (p.nextToken() != JsonToken.START_OBJECT || !name.equals("model")) {
                    root.set(name, p.readValueAsTree());
                    continue;
                }
                ObjectNode model = root.putObject("model");
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String field = p.currentName();
                    JsonToken t = p.nextToken();
                    if (field.equals("vocab") && t == JsonToken.START_OBJECT) vocab = readVocab(p, "model.vocab");
                    else if (field.equals("merges") && t == JsonToken.START_ARRAY) merges = readMerges(p);
                    else model.set(field, p.readValueAsTree());
                }
            }
            return new TokenizerJson(root, vocab, merges);
        } catch (JsonProcessingException e) {
            throw invalidJson(file, e);
        } catch (IOException e) {
            throw new TokenizerException(file + ": cannot read: " + e.getMessage(), e);
        }
    }

    /** An object of token → id, the parser on its START_OBJECT. */
    private Map<String, Integer> readVocab(JsonParser p, String where) throws IOException {
        Map<String, Integer> vocab = new HashMap<>(1 << 16);
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String token = p.currentName();
            if (p.nextToken() != JsonToken.VALUE_NUMBER_INT || p.getLongValue() < 0 || p.getLongValue() > Integer.MAX_VALUE - 1)
                throw fail(where + ": the id of \"" + token + "\" is not an integer from 0");
            vocab.put(token, p.getIntValue());
        }
        return vocab;
    }

    /** Merges as "a b" strings or ["a", "b"] pairs, the parser on the array's START_ARRAY. */
    private List<String[]> readMerges(JsonParser p) throws IOException {
        List<String[]> merges = new ArrayList<>(1 << 16);
        for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
            int i = merges.size();
            if (t == JsonToken.VALUE_STRING) {
                String s = p.getText();
                int sp = s.indexOf(' ');
                if (sp < 0) throw fail("model.merges[" + i + "] \"" + s + "\" is not two tokens separated by a space");
                merges.add(new String[] {s.substring(0, sp), s.substring(sp + 1)});
            } else if (t == JsonToken.START_ARRAY && p.nextToken() == JsonToken.VALUE_STRING) {
                String a = p.getText();
                if (p.nextToken() != JsonToken.VALUE_STRING) throw fail("model.merges[" + i + "] is neither \"a b\" nor [\"a\", \"b\"]");
                String b = p.getText();
                if (p.nextToken() != JsonToken.END_ARRAY) throw fail("model.merges[" + i + "] is neither \"a b\" nor [\"a\", \"b\"]");
                merges.add(new String[] {a, b});
            } else {
                throw fail("model.merges[" + i + "] is neither \"a b\" nor [\"a\", \"b\"]");
            }
        }
        return merges;
    }

    private static TokenizerException invalidJson(String file, JsonProcessingException e) {
        return new TokenizerException(file + ": not valid JSON: " + e.getOriginalMessage()
                + " (line " + e.getLocation().getLineNr() + ")", e);
    }

    private Tokenizer build(TokenizerJson json, JsonNode config, JsonNode specialTokensMap, String chatTemplateFile) {
        JsonNode root = json.root();
        Normalizer normalizer = normalizer(root.path("normalizer"), "normalizer");
        PreTokenizer pre = preTokenizer(root.path("pre_tokenizer"), "pre_tokenizer");
        Bpe model = model(root.path("model"), json.vocab(), json.merges());
        PostProcessor post = postProcessor(root.path("post_processor"), "post_processor");
        Decoder decoder = decoder(root.path("decoder"), "decoder");
        List<AddedToken> added = new ArrayList<>();
        JsonNode at = root.path("added_tokens");
        for (int i = 0; i < at.size(); i++) {
            JsonNode t = at.get(i);
            String where = "added_tokens[" + i + "]";
            int id = requireInt(t, "id", where);
            if (id < 0) throw fail(where + ".id " + id + " is negative");
            added.add(new AddedToken(id, requireText(t, "content", where),
                    t.path("single_word").asBoolean(false), t.path("lstrip").asBoolean(false),
                    t.path("rstrip").asBoolean(false), t.path("normalized").asBoolean(true), t.path("special").asBoolean(false)));
        }
        String unk = textOrNull(root.path("model"), "unk_token");
        Tokenizer.Config cfg = new Tokenizer.Config(tokenName(config, specialTokensMap, "bos_token"),
                tokenName(config, specialTokensMap, "eos_token"), tokenName(config, specialTokensMap, "pad_token"),
                unk != null ? unk : tokenName(config, specialTokensMap, "unk_token"),
                chatTemplateFile != null ? chatTemplateFile : chatTemplate(config));
        return new Tokenizer(normalizer, pre, model, post, decoder, added, cfg);
    }

    /** A token name from tokenizer_config.json, else special_tokens_map.json: a string or {"content": ...}; null when absent. */
    private static String tokenName(JsonNode config, JsonNode specialTokensMap, String field) {
        for (JsonNode source : new JsonNode[] {config, specialTokensMap}) {
            if (source == null) continue;
            JsonNode n = source.path(field);
            if (n.isTextual()) return n.asText();
            if (n.isObject() && n.path("content").isTextual()) return n.path("content").asText();
        }
        return null;
    }

    /** chat_template: a string, or a list of {"name", "template"} of which "default" is the one used. */
    private static String chatTemplate(JsonNode config) {
        if (config == null) return null;
        JsonNode t = config.path("chat_template");
        if (t.isTextual()) return t.asText();
        for (JsonNode named : t) {
            if ("default".equals(named.path("name").asText()) && named.path("template").isTextual()) return named.path("template").asText();
        }
        return null;
    }

    private static Tokenizer gpt2(Path encoder, Path vocabBpe) {
        TokenizerFiles f = new TokenizerFiles(encoder.toString());
        Map<String, Integer> vocab;
        try (JsonParser p = JSON.createParser(read(encoder))) {
            if (p.nextToken() != JsonToken.START_OBJECT) throw f.fail("expected an object of token → id");
            vocab = f.readVocab(p, "vocabulary");
        } catch (JsonProcessingException e) {
            throw invalidJson(encoder.toString(), e);
        } catch (IOException e) {
            throw new TokenizerException(encoder + ": cannot read: " + e.getMessage(), e);
        }
        List<String[]> merges = new ArrayList<>();
        String[] lines = read(vocabBpe).split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].endsWith("\r") ? lines[i].substring(0, lines[i].length() - 1) : lines[i];
            if (line.startsWith("#version") || (i == lines.length - 1 && line.isEmpty())) continue;
            String[] parts = line.split(" ", -1);
            if (parts.length != 2) throw new TokenizerException(vocabBpe + ": line " + (i + 1) + ": a merge must be two tokens separated by one space");
            merges.add(parts);
        }
        Bpe model = new Bpe(vocab, new TokenizerFiles(vocabBpe.toString()).mergeTable(vocab, merges, ""), null, false, false, false, null, null);
        List<AddedToken> added = new ArrayList<>();
        String eot = "<|endoftext|>";
        if (vocab.containsKey(eot)) added.add(new AddedToken(vocab.get(eot), eot, false, false, false, false, true));
        return new Tokenizer(null, new PreTokenizer.ByteLevel(false, true), model, new PostProcessor.Identity(),
                new Decoder.ByteLevel(), added, new Tokenizer.Config(eot, eot, null, eot, null));
    }

    // ---- components ----

    private Normalizer normalizer(JsonNode n, String where) {
        if (n.isMissingNode() || n.isNull()) return null;
        String type = type(n, where);
        return switch (type) {
            case "NFC" -> new Normalizer.Unicode(java.text.Normalizer.Form.NFC);
            case "NFD" -> new Normalizer.Unicode(java.text.Normalizer.Form.NFD);
            case "NFKC" -> new Normalizer.Unicode(java.text.Normalizer.Form.NFKC);
            case "NFKD" -> new Normalizer.Unicode(java.text.Normalizer.Form.NFKD);
            case "Lowercase" -> new Normalizer.Lowercase();
            case "Prepend" -> new Normalizer.Prepend(requireText(n, "prepend", where));
            case "Replace" -> new Normalizer.Replace(pattern(n.path("pattern"), where + ".pattern"), requireText(n, "content", where));
            case "Strip" -> new Normalizer.Strip(n.path("strip_left").asBoolean(true), n.path("strip_right").asBoolean(true));
            case "Sequence" -> new Normalizer.Sequence(steps(n, "normalizers", where, this::normalizer));
            default -> throw unsupported(where, type, "NFC, NFD, NFKC, NFKD, Lowercase, Prepend, Replace, Strip, Sequence");
        };
    }

    private PreTokenizer preTokenizer(JsonNode n, String where) {
        if (n.isMissingNode() || n.isNull()) return null;
        String type = type(n, where);
        return switch (type) {
            case "ByteLevel" -> new PreTokenizer.ByteLevel(n.path("add_prefix_space").asBoolean(true), n.path("use_regex").asBoolean(true));
            case "Split" -> {
                String behavior = requireText(n, "behavior", where);
                SplitBehavior b = SplitBehavior.fromJson(behavior);
                if (b == null) throw fail(where + ".behavior '" + behavior + "' is not one of Isolated, Removed, MergedWithPrevious, MergedWithNext, Contiguous");
                yield new PreTokenizer.Split(pattern(n.path("pattern"), where + ".pattern"), b, n.path("invert").asBoolean(false));
            }
            case "Metaspace" -> new PreTokenizer.Metaspace(replacement(n, where), prependScheme(n, where), n.path("split").asBoolean(true));
            case "Digits" -> new PreTokenizer.Digits(n.path("individual_digits").asBoolean(false));
            case "WhitespaceSplit" -> new PreTokenizer.WhitespaceSplit();
            case "Whitespace" -> new PreTokenizer.Whitespace();
            case "Sequence" -> new PreTokenizer.Sequence(steps(n, "pretokenizers", where, this::preTokenizer));
            default -> throw unsupported(where, type, "ByteLevel, Split, Metaspace, Digits, WhitespaceSplit, Whitespace, Sequence");
        };
    }

    private Bpe model(JsonNode n, Map<String, Integer> vocab, List<String[]> merges) {
        if (!n.isObject()) throw fail("model is missing");
        String type = n.path("type").isTextual() ? n.path("type").asText() : (merges != null ? "BPE" : "(none)");
        if (!type.equals("BPE")) throw unsupported("model", type, "BPE");
        JsonNode dropout = n.path("dropout");
        if (dropout.isNumber() && dropout.asDouble() != 0) throw fail("model.dropout " + dropout.asDouble() + " is not supported (encoding would be random)");
        if (vocab == null) throw fail("model.vocab is not an object of token → id");
        if (merges == null) merges = List.of();
        String prefix = textOrNull(n, "continuing_subword_prefix");
        String unk = textOrNull(n, "unk_token");
        return new Bpe(vocab, mergeTable(vocab, merges, prefix == null ? "" : prefix), unk,
                n.path("fuse_unk").asBoolean(false), n.path("byte_fallback").asBoolean(false),
                n.path("ignore_merges").asBoolean(false), prefix, textOrNull(n, "end_of_word_suffix"));
    }

    private MergeTable mergeTable(Map<String, Integer> vocab, List<String[]> merges, String prefix) {
        MergeTable table = new MergeTable(merges.size());
        for (int rank = 0; rank < merges.size(); rank++) {
            String a = merges.get(rank)[0], b = merges.get(rank)[1];
            // HF drops the continuing-subword prefix's length from the right token, whatever it starts with
            String merged = a + (prefix.length() <= b.length() ? b.substring(prefix.length()) : "");
            Integer ia = vocab.get(a), ib = vocab.get(b), im = vocab.get(merged);
            if (ia == null || ib == null || im == null)
                throw fail("merge " + (rank + 1) + " (\"" + a + "\" + \"" + b + "\"): \"" + (ia == null ? a : ib == null ? b : merged) + "\" is not in the vocabulary");
            table.put(ia, ib, rank, im);
        }
        return table;
    }

    private PostProcessor postProcessor(JsonNode n, String where) {
        if (n.isMissingNode() || n.isNull()) return null;
        String type = type(n, where);
        return switch (type) {
            case "TemplateProcessing" -> {
                JsonNode specials = n.path("special_tokens");
                List<int[]> pieces = new ArrayList<>();
                JsonNode single = n.path("single");
                for (int i = 0; i < single.size(); i++) {
                    JsonNode p = single.get(i);
                    if (p.has("Sequence")) {
                        pieces.add(null);
                    } else if (p.has("SpecialToken")) {
                        String id = requireText(p.path("SpecialToken"), "id", where + ".single[" + i + "].SpecialToken");
                        JsonNode ids = specials.path(id).path("ids");
                        if (!ids.isArray()) throw fail(where + ".special_tokens has no entry with ids for \"" + id + "\"");
                        int[] arr = new int[ids.size()];
                        for (int k = 0; k < arr.length; k++) arr[k] = ids.get(k).asInt();
                        pieces.add(arr);
                    } else {
                        throw fail(where + ".single[" + i + "] is neither a Sequence nor a SpecialToken");
                    }
                }
                yield new PostProcessor.Template(pieces);
            }
            case "BertProcessing", "RobertaProcessing" -> new PostProcessor.ClsSep(
                    requireInt(n.path("cls"), 1, where + ".cls"), requireInt(n.path("sep"), 1, where + ".sep"));
            case "ByteLevel" -> new PostProcessor.Identity();
            case "Sequence" -> new PostProcessor.Sequence(steps(n, "processors", where, this::postProcessor));
            default -> throw unsupported(where, type, "TemplateProcessing, BertProcessing, RobertaProcessing, ByteLevel, Sequence");
        };
    }

    private Decoder decoder(JsonNode n, String where) {
        if (n.isMissingNode() || n.isNull()) return null;
        String type = type(n, where);
        return switch (type) {
            case "ByteLevel" -> new Decoder.ByteLevel();
            case "Replace" -> new Decoder.Replace(pattern(n.path("pattern"), where + ".pattern"), requireText(n, "content", where));
            case "ByteFallback" -> new Decoder.ByteFallback();
            case "Fuse" -> new Decoder.Fuse();
            case "Strip" -> {
                String content = requireText(n, "content", where);
                if (content.codePointCount(0, content.length()) != 1) throw fail(where + ".content must be one character");
                yield new Decoder.Strip(content.codePointAt(0), n.path("start").asInt(0), n.path("stop").asInt(0));
            }
            case "Metaspace" -> new Decoder.Metaspace(replacement(n, where), prependScheme(n, where) != PreTokenizer.Metaspace.PrependScheme.NEVER);
            case "Sequence" -> new Decoder.Sequence(steps(n, "decoders", where, this::decoder));
            default -> throw unsupported(where, type, "ByteLevel, Replace, ByteFallback, Fuse, Strip, Metaspace, Sequence");
        };
    }

    // ---- fields ----

    /** The steps of a Sequence: each item of the array {@code field}, read by {@code step}; null (no-op) steps left out. */
    private static <T> List<T> steps(JsonNode n, String field, String where, BiFunction<JsonNode, String, T> step) {
        List<T> list = new ArrayList<>();
        JsonNode items = n.path(field);
        for (int i = 0; i < items.size(); i++) {
            T x = step.apply(items.get(i), where + "." + field + "[" + i + "]");
            if (x != null) list.add(x);
        }
        return list;
    }

    private TextPattern pattern(JsonNode p, String where) {
        if (p.path("String").isTextual()) return TextPattern.literal(p.path("String").asText());
        if (p.path("Regex").isTextual()) {
            String regex = p.path("Regex").asText();
            try {
                return TextPattern.regex(regex);
            } catch (java.util.regex.PatternSyntaxException e) {
                throw fail(where + ".Regex cannot be compiled: " + e.getDescription() + " in " + regex);
            }
        }
        throw fail(where + " is neither {\"String\": ...} nor {\"Regex\": ...}");
    }

    private char replacement(JsonNode n, String where) {
        String r = requireText(n, "replacement", where);
        if (r.length() != 1) throw fail(where + ".replacement must be one character, got \"" + r + "\"");
        return r.charAt(0);
    }

    /** {@code prepend_scheme} (first/always/never), or the older {@code add_prefix_space} boolean. */
    private PreTokenizer.Metaspace.PrependScheme prependScheme(JsonNode n, String where) {
        if (n.path("prepend_scheme").isTextual()) {
            return switch (n.path("prepend_scheme").asText()) {
                case "always" -> PreTokenizer.Metaspace.PrependScheme.ALWAYS;
                case "first" -> PreTokenizer.Metaspace.PrependScheme.FIRST;
                case "never" -> PreTokenizer.Metaspace.PrependScheme.NEVER;
                default -> throw fail(where + ".prepend_scheme '" + n.path("prepend_scheme").asText() + "' is not always, first or never");
            };
        }
        return n.path("add_prefix_space").asBoolean(true) ? PreTokenizer.Metaspace.PrependScheme.ALWAYS : PreTokenizer.Metaspace.PrependScheme.NEVER;
    }

    private String type(JsonNode n, String where) {
        if (!n.path("type").isTextual()) throw fail(where + " has no \"type\"");
        return n.path("type").asText();
    }

    private static String textOrNull(JsonNode n, String field) {
        return n.path(field).isTextual() ? n.path(field).asText() : null;
    }

    private String requireText(JsonNode n, String field, String where) {
        if (!n.path(field).isTextual()) throw fail(where + "." + field + " is missing or not a string");
        return n.path(field).asText();
    }

    private int requireInt(JsonNode n, String field, String where) {
        if (!n.path(field).canConvertToInt()) throw fail(where + "." + field + " is missing or not an integer");
        return n.path(field).asInt();
    }

    private int requireInt(JsonNode arr, int index, String where) {
        if (!arr.path(index).canConvertToInt()) throw fail(where + "[" + index + "] is missing or not an integer");
        return arr.path(index).asInt();
    }

    private TokenizerException unsupported(String where, String type, String supported) {
        return fail(where + " type '" + type + "' is not supported (supported: " + supported + ")");
    }

    private TokenizerException fail(String message) {
        return new TokenizerException(file + ": " + message);
    }
}
