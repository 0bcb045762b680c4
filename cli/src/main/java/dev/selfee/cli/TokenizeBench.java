package dev.selfee.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.selfee.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code selfee bench tokenize}: single-threaded encode throughput over a text file, line by line. */
@Command(name = "tokenize", mixinStandardHelpOptions = true,
        description = {"Encode every line of a UTF-8 text file (no special tokens added) on one thread; prints MB/s of UTF-8 input.",
                "ids_hash (h = h*31 + id over all ids, low 63 bits) matches bench/tokenizers_peer.py's when the ids are the same."})
final class TokenizeBench implements Runnable {
    @Option(names = "--tokenizer", required = true, paramLabel = "PATH", description = "as for 'selfee tokenize'")
    Path tokenizerPath;
    @Option(names = "--input", required = true, paramLabel = "FILE", description = "UTF-8 text; each line is encoded on its own")
    Path input;
    @Option(names = "--seconds", description = "measuring time after warm-up (default ${DEFAULT-VALUE})", defaultValue = "5")
    double seconds;

    @Override
    public void run() {
        long t0 = System.nanoTime();
        Tokenizer tok = Tokenizer.load(tokenizerPath);
        double loadMs = (System.nanoTime() - t0) / 1e6;
        List<String> lines;
        try {
            lines = Files.readAllLines(input, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(input + ": " + e.getMessage(), e);
        }
        long bytes = 0;
        for (String l : lines) bytes += l.getBytes(StandardCharsets.UTF_8).length;
        long[] tokens = new long[2];
        Runnable op = () -> {
            long n = 0, hash = 0;
            for (String l : lines) {
                int[] ids = tok.encode(l, false);
                n += ids.length;
                for (int id : ids) hash = (hash * 31 + id) & Long.MAX_VALUE;
            }
            tokens[0] = n;
            tokens[1] = hash;
        };
        double[] times = Timing.measure(op, seconds);
        double median = Timing.median(times), best = Arrays.stream(times).min().orElseThrow();
        double mb = bytes / 1e6;
        ObjectNode o = BenchCommand.JSON.createObjectNode();
        o.put("op", "tokenize").put("tokenizer", tokenizerPath.toString()).put("threads", 1)
                .put("mb", Timing.round(mb)).put("lines", lines.size()).put("tokens", tokens[0]).put("ids_hash", tokens[1])
                .put("mb_per_s", Timing.round(mb / median)).put("mb_per_s_best", Timing.round(mb / best))
                .put("load_ms", Timing.round(loadMs)).put("runs", times.length);
        System.out.println(o);
    }
}
