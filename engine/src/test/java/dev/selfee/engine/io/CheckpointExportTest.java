package dev.selfee.engine.io;

import dev.selfee.engine.DType;
import dev.selfee.engine.Tensor;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Writes, with the Java writers, what tools/make_checkpoint_fixtures.py --verify loads with the
 * reference libraries: the fixture tensors re-written, and the tiny Llama (sharded checkpoint read,
 * written as one file and as shards) with its configs. It lands in the build folder, target/checkpoint-roundtrip.
 */
class CheckpointExportTest {
    static final Path OUT = Path.of("target", "checkpoint-roundtrip");

    private static Map<String, Tensor> readAll(CheckpointReader r) {
        Map<String, Tensor> m = new LinkedHashMap<>();
        for (String n : r.names()) m.put(n, r.load(n));
        return m;
    }

    private static void assertSameTensors(Map<String, Tensor> want, CheckpointReader got) {
        assertEquals(want.keySet(), got.names());
        want.forEach((n, t) -> assertArrayEquals(t.toArray(), got.load(n, t.shape()).toArray(), n));
    }

    @Test
    void writesWhatTheReferenceLibrariesCanLoad() throws IOException {
        for (var c : Map.of("f32", DType.F32, "bf16", DType.BF16).entrySet()) {
            Map<String, Tensor> ts;
            try (CheckpointReader r = CheckpointReader.open(Fixtures.DIR.resolve(c.getKey() + ".safetensors"))) {
                ts = readAll(r);
            }
            Path out = OUT.resolve(c.getKey() + "-roundtrip.safetensors");
            SafetensorsWriter.write(out, ts, c.getValue());
            try (CheckpointReader r = CheckpointReader.open(out)) {
                assertSameTensors(ts, r);
            }
        }

        Map<String, Tensor> llama;
        try (CheckpointReader r = CheckpointReader.open(Fixtures.DIR.resolve("llama"))) {
            llama = readAll(r);
        }
        Path llamaOut = OUT.resolve("llama");
        SafetensorsWriter.write(llamaOut.resolve(CheckpointReader.SINGLE_FILE), llama, DType.BF16);
        LlamaConfig config = LlamaConfig.read(Fixtures.DIR.resolve("llama/config.json"));
        config.write(llamaOut.resolve("config.json"));
        GenerationConfig.read(Fixtures.DIR.resolve("llama/generation_config.json")).write(llamaOut.resolve("generation_config.json"));
        try (CheckpointReader r = CheckpointReader.open(llamaOut)) {
            assertInstanceOf(SafetensorsFile.class, r);
            assertSameTensors(llama, r); // the values are bf16 already, so storing as BF16 is exact
        }
        assertEquals(config, LlamaConfig.read(llamaOut.resolve("config.json")));

        Path shardedOut = OUT.resolve("llama-sharded");
        assertEquals(3, SafetensorsWriter.writeCheckpoint(shardedOut, llama, DType.BF16, 30_000).size()); // 2 shards + index
        config.write(shardedOut.resolve("config.json"));
        try (CheckpointReader r = CheckpointReader.open(shardedOut)) {
            assertInstanceOf(ShardedSafetensors.class, r);
            assertSameTensors(llama, r);
        }

        for (String d : LlamaConfigTest.DIRS) {
            if (d.equals("llama")) continue;
            LlamaConfig c = LlamaConfig.read(Fixtures.DIR.resolve(d).resolve("config.json"));
            c.write(OUT.resolve(d).resolve("config.json"));
            LlamaConfigTest.assertReadsAsTransformers(LlamaConfig.read(OUT.resolve(d).resolve("config.json")),
                    Fixtures.json("configs.json").get(d), d + " written and read back");
        }
    }
}
