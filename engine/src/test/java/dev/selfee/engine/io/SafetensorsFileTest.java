package dev.selfee.engine.io;

import com.fasterxml.jackson.databind.JsonNode;
import dev.selfee.engine.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.*;

/** The reader returns exactly what safetensors/torch wrote, for each stored dtype, and a sharded checkpoint. */
class SafetensorsFileTest {
    @Test
    void readsEveryDtypeExactlyAsTorchWidensIt() {
        JsonNode expected = Fixtures.json("tensors.json");
        for (Map.Entry<String, JsonNode> file : expected.properties()) {
            try (SafetensorsFile f = SafetensorsFile.open(Fixtures.DIR.resolve(file.getKey()))) {
                assertEquals("pt", f.metadata().get("format"));
                Set<String> names = new TreeSet<>();
                file.getValue().fieldNames().forEachRemaining(names::add);
                assertEquals(names, new TreeSet<>(f.names()), file.getKey());
                for (String name : names) {
                    JsonNode want = file.getValue().get(name);
                    String what = file.getKey() + " " + name;
                    assertEquals(Fixtures.safetensorsDtype(want.get("dtype").asText()), f.dtype(name), what);
                    assertArrayEquals(Fixtures.ints(want.get("shape")), f.shape(name), what);
                    Tensor t = f.load(name, Fixtures.ints(want.get("shape")));
                    assertArrayEquals(Fixtures.floats(want.get("values")), t.toArray(), what); // bit-exact, -0.0 included
                }
            }
        }
    }

    @Test
    void loadsIntoAViewOfALargerTensor() {
        try (SafetensorsFile f = SafetensorsFile.open(Fixtures.DIR.resolve("bf16.safetensors"))) {
            Tensor big = Tensor.full(9f, 3, 2, 3);
            f.loadInto("a", big.select(1));
            assertArrayEquals(f.load("a").toArray(), big.select(1).toArray());
            assertEquals(9f, big.get(0, 0, 0));
            assertEquals(9f, big.get(2, 1, 2));
        }
    }

    @Test
    void readsAShardedCheckpointThroughItsIndex() {
        JsonNode expected = Fixtures.json("llama/tensors.json");
        try (CheckpointReader r = CheckpointReader.open(Fixtures.DIR.resolve("llama"))) {
            assertInstanceOf(ShardedSafetensors.class, r);
            Set<String> names = new TreeSet<>();
            expected.fieldNames().forEachRemaining(names::add);
            assertEquals(names, new TreeSet<>(r.names()));
            Set<String> shards = new TreeSet<>();
            for (String name : names) {
                JsonNode want = expected.get(name);
                assertEquals(Fixtures.safetensorsDtype(want.get("dtype").asText()), r.dtype(name));
                Tensor t = r.load(name, Fixtures.ints(want.get("shape")));
                double sum = 0, sq = 0;
                for (float v : t.toArray()) {
                    sum += v;
                    sq += (double) v * v;
                }
                assertEquals(want.get("sum").doubleValue(), sum, 1e-9 * Math.max(1, Math.abs(sum)), name + " sum");
                assertEquals(want.get("sum_sq").doubleValue(), sq, 1e-9 * sq, name + " sum of squares");
                float[] first = Fixtures.floats(want.get("first"));
                float[] got = t.toArray();
                for (int i = 0; i < first.length; i++) assertEquals(first[i], got[i], name + "[" + i + "]");
                shards.add(r.fileOf(name).getFileName().toString());
            }
            assertEquals(Set.of("model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"), shards);
        }
    }
}
