package dev.selfee.spa.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.selfee.engine.autograd.Parameter;
import dev.selfee.engine.io.AtomicFiles;
import dev.selfee.engine.io.CheckpointReader;
import dev.selfee.engine.model.LlamaModel;
import dev.selfee.engine.optim.Optimizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A resumable point in a training run, in {@code workDir/}{@value #DIR}: the model, the
 * optimiser's state, the steps done, the loss so far and SPA's threshold window. It is written
 * into a sibling folder and swapped in, so a kill leaves the previous checkpoint or the new one,
 * never a torn one. A checkpoint resumes only the run it belongs to: it records a fingerprint of
 * the options, the data, the starting weights and the reference log-probs. With LoRA it holds the
 * merged model too (usable as it is) and resumes from the adapter saved beside it.
 */
public final class TrainingCheckpoint {
    public static final String DIR = "checkpoint";
    private static final String STATE = "trainer_state.json", OPTIMIZER = "optimizer.safetensors";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What a run resumes from. */
    public record State(int step, double lossSum, double[] spaWindow) {}

    private TrainingCheckpoint() {}

    /** SHA-256 of the parts, which together identify a run. */
    public static String fingerprint(String... parts) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            for (String p : parts) {
                d.update(p.getBytes(StandardCharsets.UTF_8));
                d.update((byte) 0);
            }
            return HexFormat.of().formatHex(d.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Deletes the checkpoint (a finished run no longer needs it). */
    public static void delete(Path workDir) {
        try {
            ModelOutput.deleteTree(workDir.resolve(DIR));
            ModelOutput.deleteTree(workDir.resolve(DIR + ".old"));
            ModelOutput.deleteTree(workDir.resolve(DIR + ".next"));
        } catch (IOException e) {
            throw new UncheckedIOException(workDir.resolve(DIR) + ": " + e.getMessage(), e);
        }
    }

    public static void save(Path workDir, String fingerprint, LlamaModel model, Optimizer optimizer, State state) {
        Path dir = workDir.resolve(DIR), next = workDir.resolve(DIR + ".next"), old = workDir.resolve(DIR + ".old");
        try {
            ModelOutput.deleteTree(next);
            ModelOutput.save(model, next, null, null);
            optimizer.saveState(next.resolve(OPTIMIZER));
            ObjectNode s = JSON.createObjectNode().put("fingerprint", fingerprint).put("step", state.step()).put("loss_sum", state.lossSum());
            ArrayNode w = s.putArray("spa_window");
            for (double m : state.spaWindow()) w.add(m);
            AtomicFiles.writeString(next.resolve(STATE), s.toString());
            ModelOutput.deleteTree(old);
            if (Files.exists(dir)) Files.move(dir, old);
            Files.move(next, dir);
            ModelOutput.deleteTree(old);
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": cannot save the checkpoint: " + e.getMessage(), e);
        }
    }

    /**
     * Restores the checkpoint in {@code workDir} into {@code model} and {@code optimizer} when it
     * belongs to this run; returns its state, or null (none, another run's, or unreadable).
     */
    public static State resume(Path workDir, String fingerprint, LlamaModel model, Optimizer optimizer) {
        Path dir = workDir.resolve(DIR);
        if (!Files.isDirectory(dir) && Files.isDirectory(workDir.resolve(DIR + ".old"))) dir = workDir.resolve(DIR + ".old"); // killed mid-swap
        if (!Files.isRegularFile(dir.resolve(STATE))) return null;
        try {
            JsonNode s = JSON.readTree(Files.readString(dir.resolve(STATE)));
            if (!fingerprint.equals(s.path("fingerprint").asText())) return null;
            if (model.lora() != null) {
                // the base is frozen (the fingerprint pins it): only the adapters were trained
                model.lora().loadWeights(dir.resolve(ModelOutput.ADAPTER_DIR));
            } else {
                try (CheckpointReader weights = CheckpointReader.open(dir)) {
                    for (Parameter p : model.parameters().values()) weights.loadInto(p.name(), p.value());
                }
            }
            optimizer.loadState(dir.resolve(OPTIMIZER));
            double[] window = new double[s.path("spa_window").size()];
            for (int i = 0; i < window.length; i++) window[i] = s.get("spa_window").get(i).asDouble();
            return new State(s.get("step").asInt(), s.get("loss_sum").asDouble(), window);
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": cannot read the checkpoint: " + e.getMessage(), e);
        }
    }
}
