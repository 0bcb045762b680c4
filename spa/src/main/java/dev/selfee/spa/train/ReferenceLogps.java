package dev.selfee.spa.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.selfee.engine.Tensor;
import dev.selfee.engine.autograd.Parameter;
import dev.selfee.engine.backend.Backend;
import dev.selfee.engine.io.AtomicFiles;
import dev.selfee.engine.model.DeviceScorer;
import dev.selfee.engine.model.LlamaModel;
import dev.selfee.engine.model.LoraAdapters;
import dev.selfee.engine.model.Scorer;
import dev.selfee.engine.model.device.DeviceLlama;
import dev.selfee.spa.Progress;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The reference model's summed completion log-probs for every pair of a dataset, computed once
 * without gradients before training (TRL's {@code precompute_ref_log_probs}), so no second model
 * is held while training. They are cached in a JSONL file whose first line records SHA-256 hashes
 * of the reference's weights and of the tokenised pairs; a cache whose hashes match is reused,
 * any other is recomputed and replaced (atomically). A reference with LoRA adapters is scored
 * as its base model (adapters disabled), and its hash covers the base weights only.
 *
 * @param chosen   log π_ref(chosen | prompt) by pair index
 * @param rejected log π_ref(rejected | prompt) by pair index
 */
public record ReferenceLogps(float[] chosen, float[] rejected) {
    public static final String FILE = "ref_logps.jsonl";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String FORMAT = "selfee-ref-logps-1";

    /** Scores every pair with {@code reference} (no gradients, {@code batchSize} sequences at a time). */
    public static ReferenceLogps compute(LlamaModel reference, List<TokenizedPair> pairs, int batchSize, Progress progress) {
        int n = pairs.size();
        float[] c = new float[n], r = new float[n];
        int chunk = Math.max(batchSize, 32);
        for (int s = 0; s < n; s += chunk) {
            int e = Math.min(n, s + chunk);
            List<int[]> prompts = new ArrayList<>(), completions = new ArrayList<>();
            for (TokenizedPair p : pairs.subList(s, e)) {
                prompts.add(p.prompt());
                completions.add(p.chosen());
            }
            for (TokenizedPair p : pairs.subList(s, e)) {
                prompts.add(p.prompt());
                completions.add(p.rejected());
            }
            float[] v;
            try (var _ = asBase(reference)) {
                v = Scorer.score(reference, prompts, completions, batchSize);
            }
            System.arraycopy(v, 0, c, s, e - s);
            System.arraycopy(v, e - s, r, s, e - s);
            if (progress != null) progress.update(e, null);
        }
        return new ReferenceLogps(c, r);
    }

    /**
     * A scope in which {@code model} computes as its base model: its LoRA adapters disabled, if it
     * has any (the reference of a LoRA policy is the policy without its adapters).
     */
    static LoraAdapters.Scope asBase(LlamaModel model) {
        return model.lora() == null ? LoraAdapters.Scope.NONE : model.lora().disable();
    }

    /** The cached log-probs in {@code file} when its hashes match, else computed and written there. */
    public static ReferenceLogps cached(LlamaModel reference, List<TokenizedPair> pairs, int batchSize, Path file, Progress progress) {
        String model = modelHash(reference), data = dataHash(pairs);
        ReferenceLogps hit = read(file, model, data, pairs.size());
        if (hit != null) return hit;
        ReferenceLogps computed = compute(reference, pairs, batchSize, progress);
        computed.write(file, model, data);
        return computed;
    }

    /**
     * As {@link #cached(LlamaModel, List, int, Path, Progress)}, scoring on {@code backend} when it
     * is not null: the reference is uploaded once ({@link DeviceLlama}) and scored by
     * {@link DeviceScorer}, 2 · {@code batchSize} sequences at a time (a LoRA reference without its
     * adapters, as on the CPU). The cache's hashes are the same.
     */
    public static ReferenceLogps cached(LlamaModel reference, List<TokenizedPair> pairs, int batchSize, Path file, Progress progress, Backend backend) {
        if (backend == null) return cached(reference, pairs, batchSize, file, progress);
        String model = modelHash(reference), data = dataHash(pairs);
        ReferenceLogps hit = read(file, model, data, pairs.size());
        if (hit != null) return hit;
        int n = pairs.size();
        List<int[]> prompts = new ArrayList<>(2 * n), completions = new ArrayList<>(2 * n);
        for (TokenizedPair p : pairs) {
            prompts.add(p.prompt());
            completions.add(p.chosen());
        }
        for (TokenizedPair p : pairs) {
            prompts.add(p.prompt());
            completions.add(p.rejected());
        }
        float[] v;
        try (DeviceLlama device = DeviceLlama.uploadBase(reference, backend)) { // without adapters, as asBase on the CPU
            v = DeviceScorer.score(device, prompts, completions, 2 * batchSize);
        }
        if (progress != null) progress.update(n, null);
        float[] c = java.util.Arrays.copyOfRange(v, 0, n), r = java.util.Arrays.copyOfRange(v, n, 2 * n);
        ReferenceLogps computed = new ReferenceLogps(c, r);
        computed.write(file, model, data);
        return computed;
    }

    /** Reads a cache written for exactly this model and data, or null. */
    static ReferenceLogps read(Path file, String modelHash, String dataHash, int n) {
        if (!Files.isRegularFile(file)) return null;
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            JsonNode head = JSON.readTree(in.readLine());
            if (head == null || !FORMAT.equals(head.path("format").asText()) || !modelHash.equals(head.path("reference_sha256").asText())
                    || !dataHash.equals(head.path("data_sha256").asText()) || head.path("pairs").asInt(-1) != n) return null;
            float[] c = new float[n], r = new float[n];
            for (int i = 0; i < n; i++) {
                String line = in.readLine();
                if (line == null) return null;
                JsonNode o = JSON.readTree(line);
                if (o.path("index").asInt(-1) != i) return null;
                c[i] = (float) o.path("ref_chosen_logps").asDouble();
                r[i] = (float) o.path("ref_rejected_logps").asDouble();
            }
            return new ReferenceLogps(c, r);
        } catch (IOException | RuntimeException e) {
            return null; // unreadable or torn: recompute
        }
    }

    void write(Path file, String modelHash, String dataHash) {
        StringBuilder sb = new StringBuilder();
        ObjectNode head = JSON.createObjectNode().put("format", FORMAT).put("reference_sha256", modelHash).put("data_sha256", dataHash)
                .put("pairs", chosen.length);
        sb.append(head).append('\n');
        for (int i = 0; i < chosen.length; i++) {
            sb.append(JSON.createObjectNode().put("index", i).put("ref_chosen_logps", chosen[i]).put("ref_rejected_logps", rejected[i])).append('\n');
        }
        try {
            if (file.getParent() != null) Files.createDirectories(file.getParent());
            AtomicFiles.writeString(file, sb.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot write the reference log-prob cache: " + e.getMessage(), e);
        }
    }

    /** SHA-256 of every parameter's name, shape and float bits (little-endian), in the model's order. */
    public static String modelHash(LlamaModel model) {
        MessageDigest d = sha256();
        ByteBuffer buf = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
        for (Parameter p : model.parameters().values()) {
            d.update(p.name().getBytes(StandardCharsets.UTF_8));
            for (int s : p.value().shape()) d.update(Integer.toString(s).getBytes(StandardCharsets.UTF_8));
            Tensor v = p.value().contiguous();
            float[] a = v.data();
            for (int i = v.offset(), end = v.offset() + v.size(); i < end; ) {
                buf.clear();
                while (i < end && buf.remaining() >= 4) buf.putFloat(a[i++]);
                buf.flip();
                d.update(buf);
            }
        }
        return HexFormat.of().formatHex(d.digest());
    }

    /** SHA-256 of the pairs' token ids (so truncation settings and tokenizer changes invalidate the cache). */
    public static String dataHash(List<TokenizedPair> pairs) {
        MessageDigest d = sha256();
        for (TokenizedPair p : pairs) {
            for (int[] ids : new int[][] {p.prompt(), p.chosen(), p.rejected()}) {
                ByteBuffer b = ByteBuffer.allocate(4 + 4 * ids.length).order(ByteOrder.LITTLE_ENDIAN).putInt(ids.length);
                for (int id : ids) b.putInt(id);
                d.update(b.flip());
            }
        }
        return HexFormat.of().formatHex(d.digest());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
