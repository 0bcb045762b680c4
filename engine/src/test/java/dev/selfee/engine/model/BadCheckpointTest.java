package dev.selfee.engine.model;

import static org.junit.jupiter.api.Assertions.*;

import dev.selfee.engine.DType;
import dev.selfee.engine.Tensor;
import dev.selfee.engine.io.CheckpointException;
import dev.selfee.engine.io.CheckpointReader;
import dev.selfee.engine.io.SafetensorsWriter;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each way a checkpoint can be wrong is one clear error naming the file and the tensor or field. */
class BadCheckpointTest {
    @TempDir
    Path tmp;

    static String loadError(Path dir) {
        return assertThrows(CheckpointException.class, () -> LlamaCheckpoint.load(dir)).getMessage();
    }

    @Test
    void truncatedSafetensors() throws IOException {
        Path dir = ModelFixtures.copy("qwen2", tmp.resolve("m"));
        Path file = dir.resolve("model.safetensors");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() - 100);
        }
        String msg = loadError(dir);
        assertTrue(msg.startsWith(file + ": "), msg);
        assertFalse(msg.contains("\n"), msg);
        assertTrue(msg.contains("truncated") || msg.contains("beyond") || msg.contains("end of"), msg);
    }

    @Test
    void missingTensor() throws IOException {
        Path dir = rewritten("llama", t -> t.remove("model.layers.1.mlp.down_proj.weight"));
        assertEquals(dir.resolve("model.safetensors") + ": missing tensor 'model.layers.1.mlp.down_proj.weight' that config.json implies", loadError(dir));
    }

    @Test
    void shapeThatDoesNotMatchTheConfig() throws IOException {
        Path dir = rewritten("mistral", t -> t.put("model.layers.0.self_attn.k_proj.weight", Tensor.zeros(32, 32)));
        assertEquals(dir.resolve("model.safetensors") + ": tensor 'model.layers.0.self_attn.k_proj.weight' has shape [32, 32] but config.json implies [16, 32]",
                loadError(dir));
    }

    @Test
    void tensorOfALayerTheConfigDoesNotHave() throws IOException {
        Path dir = rewritten("qwen2", t -> t.put("model.layers.2.input_layernorm.weight", Tensor.zeros(32)));
        assertEquals(dir.resolve("model.safetensors") + ": tensor 'model.layers.2.input_layernorm.weight' belongs to layer 2 but config.json has num_hidden_layers 2",
                loadError(dir));
    }

    @Test
    void unknownArchitecture() throws IOException {
        Path dir = ModelFixtures.copy("llama", tmp.resolve("m"));
        edit(dir.resolve("config.json"), "LlamaForCausalLM", "GPTNeoXForCausalLM");
        String msg = loadError(dir);
        assertTrue(msg.startsWith(dir.resolve("config.json") + ": field 'architectures' is 'GPTNeoXForCausalLM'"), msg);
    }

    @Test
    void unsupportedRopeScaling() throws IOException {
        Path dir = ModelFixtures.copy("llama", tmp.resolve("m"));
        edit(dir.resolve("config.json"), "\"llama3\"", "\"yarn\"");
        String msg = loadError(dir);
        assertTrue(msg.startsWith(dir.resolve("config.json") + ": field 'rope_parameters.rope_type' is 'yarn'"), msg);
    }

    @Test
    void notAModelDirectory() {
        String msg = loadError(tmp.resolve("nothing"));
        assertTrue(msg.startsWith(tmp.resolve("nothing") + ": not a model directory"), msg);
    }

    /** A copy of a fixture whose safetensors tensors were changed by {@code edit}. */
    private Path rewritten(String name, java.util.function.Consumer<Map<String, Tensor>> edit) throws IOException {
        Path dir = ModelFixtures.copy(name, tmp.resolve("m"));
        Map<String, Tensor> tensors = new TreeMap<>();
        try (CheckpointReader r = CheckpointReader.open(dir)) {
            for (String n : r.names()) tensors.put(n, r.load(n));
        }
        edit.accept(tensors);
        SafetensorsWriter.write(dir.resolve("model.safetensors"), tensors, DType.F32);
        return dir;
    }

    private static void edit(Path file, String from, String to) throws IOException {
        String s = Files.readString(file);
        assertTrue(s.contains(from));
        Files.writeString(file, s.replace(from, to));
    }
}
