package dev.selfee.engine.io;

import dev.selfee.engine.DType;
import dev.selfee.engine.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class SafetensorsWriterTest {
    @TempDir
    Path dir;

    private static Map<String, Tensor> readAll(Path file) {
        Map<String, Tensor> m = new LinkedHashMap<>();
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            for (String n : f.names()) m.put(n, f.load(n));
        }
        return m;
    }

    @Test
    void writesTheSameBytesAsTheReferenceImplementation() throws IOException {
        for (var c : Map.of("f32.safetensors", DType.F32, "bf16.safetensors", DType.BF16, "f16.safetensors", DType.F16).entrySet()) {
            Path ours = dir.resolve(c.getKey());
            SafetensorsWriter.write(ours, readAll(Fixtures.DIR.resolve(c.getKey())), c.getValue());
            assertArrayEquals(Files.readAllBytes(Fixtures.DIR.resolve(c.getKey())), Files.readAllBytes(ours), c.getKey());
        }
    }

    @Test
    void roundTripsViewsAndPadsTheHeaderToEightBytes() throws IOException {
        Tensor base = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
        Map<String, Tensor> ts = Map.of("t", base.transpose(0, 1), "s", base.slice(1, 1, 2), "z", Tensor.zeros(0));
        Path p = dir.resolve("views.safetensors");
        SafetensorsWriter.write(p, ts, DType.F32, Map.of("format", "pt", "note", "x"));
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(p)).order(ByteOrder.LITTLE_ENDIAN);
        long headerLen = b.getLong(0);
        assertEquals(0, headerLen % 8);
        assertEquals(b.capacity(), 8 + headerLen + 4 * (6 + 2));
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertEquals(Map.of("format", "pt", "note", "x"), f.metadata());
            assertArrayEquals(new float[] {1, 4, 2, 5, 3, 6}, f.load("t", 3, 2).toArray());
            assertArrayEquals(new float[] {2, 5}, f.load("s", 2, 1).toArray());
            assertEquals(0, f.load("z", 0).size());
        }
    }

    @Test
    void bf16RoundsToNearestEven() throws IOException {
        float x = Float.intBitsToFloat(0x3F808000); // exactly halfway between two bf16 values: rounds to even (down)
        float y = Float.intBitsToFloat(0x3F818000); // halfway, rounds up to even
        Path p = dir.resolve("r.safetensors");
        SafetensorsWriter.write(p, Map.of("v", Tensor.of(new float[] {x, y}, 2)), DType.BF16);
        float[] back = readAll(p).get("v").toArray();
        assertEquals(Float.intBitsToFloat(0x3F800000), back[0]);
        assertEquals(Float.intBitsToFloat(0x3F820000), back[1]);
    }

    @Test
    void aFailedWriteLeavesTheOldFileAndNoTemporaryFile() throws IOException {
        Path p = dir.resolve("model.safetensors");
        SafetensorsWriter.write(p, Map.of("v", Tensor.full(1f, 3)), DType.F32);
        byte[] before = Files.readAllBytes(p);
        assertThrows(IllegalArgumentException.class,
                () -> SafetensorsWriter.write(p, Map.of("__metadata__", Tensor.zeros(1)), DType.F32));
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.write(p, ch -> {
            ch.write(ByteBuffer.wrap(new byte[] {1, 2, 3}));
            throw new IOException("disk full");
        }));
        assertEquals("disk full", e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(p));
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "no temporary file left behind");
        }
    }

    @Test
    void writesShardsAndAnIndexWhenTheModelIsLargerThanAShard() throws IOException {
        Map<String, Tensor> ts = new LinkedHashMap<>();
        for (int i = 0; i < 5; i++) ts.put("layers." + i + ".weight", Tensor.full(i, 100)); // 400 bytes each as F32
        ts.put("embed", Tensor.full(7f, 300)); // 1200 bytes: larger than a shard, so alone in one
        Path d = dir.resolve("ckpt");
        var files = SafetensorsWriter.writeCheckpoint(d, ts, DType.F32, 1000);
        assertEquals(List.of("model-00001-of-00004.safetensors", "model-00002-of-00004.safetensors", "model-00003-of-00004.safetensors",
                "model-00004-of-00004.safetensors", CheckpointReader.INDEX_FILE), files.stream().map(p -> p.getFileName().toString()).toList());
        try (CheckpointReader r = CheckpointReader.open(d)) {
            assertInstanceOf(ShardedSafetensors.class, r);
            assertEquals(ts.keySet(), r.names());
            ts.forEach((n, t) -> assertArrayEquals(t.toArray(), r.load(n, t.shape()).toArray(), n));
            assertEquals("model-00001-of-00004.safetensors", r.fileOf("embed").getFileName().toString());
        }
        assertEquals(3200, Fixtures.jsonAt(d.resolve(CheckpointReader.INDEX_FILE)).get("metadata").get("total_size").longValue());

        // re-saved small: one file, and the sharded layout is gone
        SafetensorsWriter.writeCheckpoint(d, Map.of("embed", Tensor.full(1f, 3)), DType.BF16, 1000);
        try (var left = Files.list(d)) {
            assertEquals(List.of(CheckpointReader.SINGLE_FILE), left.map(p -> p.getFileName().toString()).toList());
        }
        // and sharded again: the single file is gone
        SafetensorsWriter.writeCheckpoint(d, ts, DType.F32, 1000);
        assertFalse(Files.exists(d.resolve(CheckpointReader.SINGLE_FILE)));
    }
}
