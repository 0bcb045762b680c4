package dev.selfee.engine.io;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.selfee.engine.DType;
import dev.selfee.engine.Tensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Writes fp32 tensors to a safetensors file, stored as F32, BF16 or F16, atomically (see
 * {@link AtomicFiles}). The layout follows the reference implementation: tensors in name order,
 * {@code __metadata__} first in the header, the header padded with spaces to a multiple of 8
 * bytes so the data starts aligned.
 */
public final class SafetensorsWriter {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int CHUNK_BYTES = 1 << 20;

    private SafetensorsWriter() {}

    /** Writes {@code tensors} as {@code dtype} with metadata {@code {"format": "pt"}}, as transformers does. */
    public static void write(Path file, Map<String, Tensor> tensors, DType dtype) throws IOException {
        write(file, tensors, dtype, Map.of("format", "pt"));
    }

    public static void write(Path file, Map<String, Tensor> tensors, DType dtype, Map<String, String> metadata) throws IOException {
        Map<String, Tensor> sorted = new TreeMap<>(tensors);
        ObjectNode header = JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = header.putObject("__metadata__");
            new TreeMap<>(metadata).forEach(meta::put);
        }
        long offset = 0;
        for (Map.Entry<String, Tensor> e : sorted.entrySet()) {
            if (e.getKey().isEmpty() || e.getKey().equals("__metadata__")) {
                throw new IllegalArgumentException(file + ": '" + e.getKey() + "' cannot be a tensor name");
            }
            Tensor t = e.getValue();
            ObjectNode entry = header.putObject(e.getKey());
            entry.put("dtype", dtype.name());
            ArrayNode shape = entry.putArray("shape");
            for (int s : t.shape()) shape.add(s);
            long bytes = (long) t.size() * dtype.bytes;
            entry.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] json = JSON.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) head.put((byte) ' ');
        head.flip();
        AtomicFiles.write(file, ch -> {
            AtomicFiles.writeFully(ch, head);
            ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            for (Tensor t : sorted.values()) writeData(ch, buf, t.contiguous(), dtype);
        });
    }

    private static void writeData(FileChannel ch, ByteBuffer buf, Tensor t, DType dtype) throws IOException {
        float[] d = t.data();
        int n = t.size(), at = t.offset();
        int per = CHUNK_BYTES / dtype.bytes;
        for (int done = 0; done < n; ) {
            int k = Math.min(per, n - done);
            buf.clear();
            switch (dtype) {
                case F32 -> buf.asFloatBuffer().put(d, at + done, k);
                case BF16 -> { for (int i = 0; i < k; i++) buf.putShort(2 * i, DType.floatToBf16(d[at + done + i])); }
                case F16 -> { for (int i = 0; i < k; i++) buf.putShort(2 * i, DType.floatToF16(d[at + done + i])); }
            }
            buf.limit(k * dtype.bytes);
            AtomicFiles.writeFully(ch, buf);
            done += k;
        }
    }

    /**
     * Writes a model checkpoint into {@code dir} as transformers lays it out: {@value CheckpointReader#SINGLE_FILE}
     * when the data fits in {@code maxShardBytes}, otherwise {@code model-0000i-of-0000n.safetensors}
     * shards (tensors in name order, a new shard whenever the next tensor would overflow; a tensor larger
     * than the limit gets a shard of its own) and {@value CheckpointReader#INDEX_FILE}, written last.
     * A checkpoint of the other layout left in {@code dir} is removed afterwards so it cannot shadow this one.
     * Each file is atomic; a whole directory is only atomic when written elsewhere and renamed into place.
     *
     * @return the files written, in order
     */
    public static List<Path> writeCheckpoint(Path dir, Map<String, Tensor> tensors, DType dtype, long maxShardBytes) throws IOException {
        if (maxShardBytes <= 0) throw new IllegalArgumentException("max shard size must be positive, got " + maxShardBytes);
        List<Map<String, Tensor>> shards = new ArrayList<>();
        long inShard = Long.MAX_VALUE, total = 0;
        for (Map.Entry<String, Tensor> e : new TreeMap<>(tensors).entrySet()) {
            long bytes = (long) e.getValue().size() * dtype.bytes;
            if (inShard + bytes > maxShardBytes || shards.isEmpty()) {
                shards.add(new TreeMap<>());
                inShard = 0;
            }
            shards.getLast().put(e.getKey(), e.getValue());
            inShard += bytes;
            total += bytes;
        }
        Path single = dir.resolve(CheckpointReader.SINGLE_FILE), index = dir.resolve(CheckpointReader.INDEX_FILE);
        if (shards.size() <= 1) {
            write(single, tensors, dtype);
            removeShardedCheckpoint(index);
            return List.of(single);
        }
        List<Path> written = new ArrayList<>();
        ObjectNode root = JSON.createObjectNode();
        root.putObject("metadata").put("total_size", total);
        ObjectNode weightMap = root.putObject("weight_map");
        for (int i = 0; i < shards.size(); i++) {
            String name = String.format("model-%05d-of-%05d.safetensors", i + 1, shards.size());
            write(dir.resolve(name), shards.get(i), dtype);
            written.add(dir.resolve(name));
            for (String t : shards.get(i).keySet()) weightMap.put(t, name);
        }
        AtomicFiles.writeString(index, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n");
        written.add(index);
        Files.deleteIfExists(single);
        return written;
    }

    /** Deletes an index and the shards it names in its own directory (a stale checkpoint of the other layout). */
    private static void removeShardedCheckpoint(Path index) throws IOException {
        if (!Files.isRegularFile(index)) return;
        Path dir = index.toAbsolutePath().normalize().getParent();
        Set<Path> shards = new HashSet<>();
        try {
            JSON.readTree(index.toFile()).path("weight_map").forEach(f -> shards.add(dir.resolve(f.asText()).normalize()));
        } catch (IOException unreadable) {
            // an unreadable index names no shards; it is removed all the same
        }
        Files.delete(index);
        for (Path shard : shards) {
            if (dir.equals(shard.getParent())) Files.deleteIfExists(shard);
        }
    }
}
