package dev.selfee.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.selfee.engine.io.AtomicFiles;
import dev.selfee.tokenizer.Tokenizer;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code selfee tokenize}: JSONL {"text"} lines to {"ids"} with a Hugging Face tokenizer, or back with --decode. */
@Command(name = "tokenize", mixinStandardHelpOptions = true,
        description = {"Encode each JSONL line {\"text\": ...} to {\"ids\": [...]}, or with --decode each {\"ids\": [...]} to {\"text\": ...}.",
                "Prints one JSON line of totals. The output is written atomically: it appears only when every line was valid."})
public final class TokenizeCommand implements Runnable {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--tokenizer", required = true, paramLabel = "PATH",
            description = "directory with tokenizer.json (+ tokenizer_config.json) or GPT-2's encoder.json + vocab.bpe, or a tokenizer.json file")
    Path tokenizerPath;
    @Option(names = "--input", required = true, paramLabel = "FILE", description = "JSONL input")
    Path input;
    @Option(names = "--out", required = true, paramLabel = "FILE", description = "JSONL output (written atomically)")
    Path out;
    @Option(names = "--add-special-tokens", description = "let the tokenizer add its BOS/EOS tokens (as HF's add_special_tokens=True)")
    boolean addSpecialTokens;
    @Option(names = "--decode", description = "decode {\"ids\"} lines to {\"text\"}")
    boolean decode;
    @Option(names = "--skip-special-tokens", description = "with --decode: leave special tokens out of the text")
    boolean skipSpecialTokens;

    @Override
    public void run() {
        if (!Files.isRegularFile(input)) throw new IllegalArgumentException(input + ": no such input file");
        Tokenizer tokenizer = Tokenizer.load(tokenizerPath);
        long[] totals = new long[2]; // lines, tokens (or ids)
        try {
            AtomicFiles.write(out, ch -> convert(tokenizer, ch, totals));
        } catch (IOException e) {
            throw new UncheckedIOException(out + ": " + e.getMessage(), e);
        }
        ObjectNode summary = JSON.createObjectNode();
        summary.put("lines", totals[0]).put(decode ? "ids" : "tokens", totals[1]).put("out", out.toString());
        System.out.println(summary);
    }

    /** Writes one output line per input line; a bad line throws, and the output is then never created. */
    private void convert(Tokenizer tokenizer, FileChannel ch, long[] totals) throws IOException {
        // not closed: closing it would close the channel, which AtomicFiles still forces to disk
        BufferedWriter w = new BufferedWriter(new OutputStreamWriter(Channels.newOutputStream(ch), StandardCharsets.UTF_8), 1 << 16);
        try (BufferedReader in = Files.newBufferedReader(input, StandardCharsets.UTF_8)) {
            String line;
            long lineNo = 0;
            while ((line = in.readLine()) != null) {
                lineNo++;
                if (line.isBlank()) continue;
                JsonNode node = parse(line, lineNo);
                ObjectNode result = JSON.createObjectNode();
                if (decode) {
                    int[] ids = ids(node, lineNo);
                    totals[1] += ids.length;
                    result.put("text", tokenizer.decode(ids, skipSpecialTokens));
                } else {
                    JsonNode text = node.get("text");
                    if (text == null || !text.isTextual()) throw bad(lineNo, "expected an object with a string \"text\"");
                    int[] ids = tokenizer.encode(text.asText(), addSpecialTokens);
                    totals[1] += ids.length;
                    ArrayNode arr = result.putArray("ids");
                    for (int id : ids) arr.add(id);
                }
                w.write(JSON.writeValueAsString(result));
                w.write('\n');
                totals[0]++;
            }
        }
        w.flush();
    }

    private JsonNode parse(String line, long lineNo) {
        try {
            JsonNode n = JSON.readTree(line);
            if (n == null || !n.isObject()) throw bad(lineNo, "expected a JSON object");
            return n;
        } catch (JsonProcessingException e) {
            throw bad(lineNo, "not valid JSON: " + e.getOriginalMessage());
        }
    }

    private int[] ids(JsonNode node, long lineNo) {
        JsonNode arr = node.get("ids");
        if (arr == null || !arr.isArray()) throw bad(lineNo, "expected an object with an array \"ids\"");
        int[] ids = new int[arr.size()];
        for (int i = 0; i < ids.length; i++) {
            JsonNode v = arr.get(i);
            if (!v.isIntegralNumber() || !v.canConvertToInt()) throw bad(lineNo, "ids[" + i + "] is not an integer");
            ids[i] = v.asInt();
        }
        return ids;
    }

    private IllegalArgumentException bad(long lineNo, String what) {
        return new IllegalArgumentException(input + " line " + lineNo + ": " + what);
    }
}
