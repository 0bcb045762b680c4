package dev.selfee.engine.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.function.Executable;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;

/** Every kind of bad checkpoint gives one CheckpointException naming the file and, where there is one, the tensor. */
class CheckpointErrorsTest {
    @TempDir
    Path dir;

    /** A safetensors file with this header text and {@code dataBytes} zero bytes of data. */
    private Path file(String name, String header, int dataBytes) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        Path p = dir.resolve(name);
        Files.write(p, b.array());
        return p;
    }

    private static void assertError(Executable action, String... mustContain) {
        CheckpointException e = assertThrows(CheckpointException.class, action);
        String m = e.getMessage();
        assertFalse(m.contains("\n"), "one line: " + m);
        for (String s : mustContain) assertTrue(m.contains(s), "message lacks '" + s + "': " + m);
    }

    @Test
    void truncatedFile() throws IOException {
        byte[] whole = Files.readAllBytes(Fixtures.DIR.resolve("f32.safetensors"));
        Path cut = dir.resolve("cut.safetensors");
        Files.write(cut, Arrays.copyOf(whole, whole.length - 10));
        assertError(() -> SafetensorsFile.open(cut), "cut.safetensors", "'layers.0.bias'", "truncated"); // the first tensor cut short
    }

    @Test
    void fileShorterThanTheHeaderLength() throws IOException {
        Path tiny = dir.resolve("tiny.safetensors");
        Files.write(tiny, new byte[] {1, 2, 3});
        assertError(() -> SafetensorsFile.open(tiny), "tiny.safetensors", "truncated");
    }

    @Test
    void headerLengthBeyondTheFile() throws IOException {
        Path p = dir.resolve("long.safetensors");
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(1000).putLong(0);
        Files.write(p, b.array());
        assertError(() -> SafetensorsFile.open(p), "long.safetensors", "header length 1000", "16 bytes");
    }

    @Test
    void headerThatIsNotJson() throws IOException {
        Path p = file("bad.safetensors", "{\"a\": {\"dtype\": \"F32\", ", 0);
        assertError(() -> SafetensorsFile.open(p), "bad.safetensors", "not valid JSON");
    }

    @Test
    void dataOffsetsOutOfRange() throws IOException {
        Path p = file("range.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"x\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[8,24]}}", 16);
        assertError(() -> SafetensorsFile.open(p), "range.safetensors", "'x'", "[8, 24)");
    }

    @Test
    void dataOffsetsFarBeyondTheFileForAnUnknownDtype() throws IOException {
        Path p = file("huge.safetensors", "{\"x\":{\"dtype\":\"I8\",\"shape\":[1],\"data_offsets\":[0,9223372036854775806]}}", 8);
        assertError(() -> SafetensorsFile.open(p), "huge.safetensors", "'x'", "truncated");
    }

    @Test
    void dataOffsetsThatDisagreeWithTheShape() throws IOException {
        Path p = file("size.safetensors", "{\"w\":{\"dtype\":\"BF16\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8);
        assertError(() -> SafetensorsFile.open(p), "size.safetensors", "'w'", "needs 6");
    }

    @Test
    void unknownDtypeFailsOnlyWhenThatTensorIsLoaded() throws IOException {
        Path p = file("ids.safetensors", "{\"ids\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[0,16]},"
                + "\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[16,24]}}", 24);
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertArrayEquals(new float[] {0, 0}, f.load("w").toArray());
            assertError(() -> f.load("ids"), "ids.safetensors", "'ids'", "I64");
        }
    }

    @Test
    void missingTensor() {
        try (CheckpointReader r = CheckpointReader.open(Fixtures.DIR.resolve("f32.safetensors"))) {
            assertError(() -> r.load("model.norm.weight"), "f32.safetensors", "'model.norm.weight'");
        }
    }

    @Test
    void shapeOtherThanExpected() {
        try (CheckpointReader r = CheckpointReader.open(Fixtures.DIR.resolve("f32.safetensors"))) {
            assertError(() -> r.load("b.weight", 5, 4), "f32.safetensors", "'b.weight'", "[4, 5]", "expected [5, 4]");
        }
    }

    @Test
    void missingFileAndDirectoryWithoutACheckpoint() {
        assertError(() -> CheckpointReader.open(dir.resolve("none.safetensors")), "none.safetensors", "no such file");
        assertError(() -> CheckpointReader.open(dir), dir.toString(), "model.safetensors");
    }

    @Test
    void shardMissingOrIndexBroken() throws IOException {
        Path d = Files.createDirectories(dir.resolve("sharded"));
        Files.copy(Fixtures.DIR.resolve("f32.safetensors"), d.resolve("model-00001-of-00002.safetensors"));
        Files.writeString(d.resolve("model.safetensors.index.json"), "{\"metadata\":{},\"weight_map\":{"
                + "\"a\":\"model-00001-of-00002.safetensors\",\"lm_head.weight\":\"model-00002-of-00002.safetensors\","
                + "\"ghost\":\"model-00001-of-00002.safetensors\"}}");
        try (CheckpointReader r = CheckpointReader.open(d)) {
            assertArrayEquals(new int[] {2, 3}, r.shape("a"));
            assertError(() -> r.load("lm_head.weight"), "model.safetensors.index.json", "model-00002-of-00002.safetensors", "'lm_head.weight'");
            assertError(() -> r.load("ghost"), "model-00001-of-00002.safetensors", "'ghost'");
            assertError(() -> r.load("nope"), "model.safetensors.index.json", "'nope'");
        }
        Files.writeString(d.resolve("model.safetensors.index.json"), "{\"metadata\":{}}");
        assertError(() -> CheckpointReader.open(d), "model.safetensors.index.json", "weight_map");
        Files.writeString(d.resolve("model.safetensors.index.json"), "{\"weight_map\":");
        assertError(() -> CheckpointReader.open(d), "model.safetensors.index.json", "not valid JSON");
    }
}
