package dev.selfee.engine.io;

import dev.selfee.engine.Tensor;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;

/**
 * Named tensors stored in safetensors files, read lazily: nothing is copied to the heap until a
 * tensor is asked for, and then exactly once, widened to fp32. Errors are {@link CheckpointException}s
 * naming the file and the tensor.
 */
public interface CheckpointReader extends AutoCloseable {
    String INDEX_FILE = "model.safetensors.index.json";
    String SINGLE_FILE = "model.safetensors";

    /**
     * Opens a checkpoint: a {@code .safetensors} file, a {@code *.safetensors.index.json} of a
     * sharded checkpoint, or a directory holding {@value #SINGLE_FILE} or {@value #INDEX_FILE}
     * (looked for in that order, as transformers does).
     */
    static CheckpointReader open(Path path) {
        if (Files.isDirectory(path)) {
            Path single = path.resolve(SINGLE_FILE);
            if (Files.isRegularFile(single)) return SafetensorsFile.open(single);
            Path index = path.resolve(INDEX_FILE);
            if (Files.isRegularFile(index)) return ShardedSafetensors.open(index);
            throw new CheckpointException(path, "no " + SINGLE_FILE + " or " + INDEX_FILE + " in this directory");
        }
        if (path.getFileName().toString().endsWith(".index.json")) return ShardedSafetensors.open(path);
        return SafetensorsFile.open(path);
    }

    /** The tensor names, in a stable order. */
    Set<String> names();

    default boolean contains(String name) {
        return names().contains(name);
    }

    /** The stored shape of {@code name}. */
    int[] shape(String name);

    /** The stored element type name of {@code name} as safetensors spells it (F32, BF16, ...). */
    String dtype(String name);

    /** Loads {@code name} into {@code target} (contiguous, of the stored shape), widening to fp32. */
    void loadInto(String name, Tensor target);

    /** Loads {@code name} as a new fp32 tensor of its stored shape. */
    default Tensor load(String name) {
        Tensor t = Tensor.zeros(shape(name));
        loadInto(name, t);
        return t;
    }

    /** Loads {@code name}, requiring its stored shape to be {@code expectedShape}. */
    default Tensor load(String name, int... expectedShape) {
        int[] s = shape(name);
        if (!Arrays.equals(s, expectedShape)) {
            throw new CheckpointException(fileOf(name), "tensor '" + name + "' has shape " + Arrays.toString(s)
                    + ", expected " + Arrays.toString(expectedShape));
        }
        return load(name);
    }

    /** The file that holds {@code name} (for messages). */
    Path fileOf(String name);

    @Override
    void close();
}
