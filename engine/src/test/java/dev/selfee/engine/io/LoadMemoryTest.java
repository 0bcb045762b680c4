package dev.selfee.engine.io;

import dev.selfee.engine.DType;
import dev.selfee.engine.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Loading holds no second copy: a tensor costs its fp32 array and a small staging buffer, so a
 * 0.5B-parameter model (2 GB as fp32) fits a 3 GB heap. Measured with the JVM's per-thread
 * allocation counter while loading a 32 MB (fp32) tensor from BF16 and from F32.
 */
class LoadMemoryTest {
    @TempDir
    Path dir;

    @Test
    void loadingAllocatesOnlyTheResult() throws IOException {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        int n = 8 << 20;
        Tensor t = Tensor.zeros(n);
        for (int i = 0; i < n; i += 997) t.data()[i] = i % 251; // exact in bf16
        for (DType dtype : new DType[] {DType.BF16, DType.F32}) {
            Path p = dir.resolve(dtype + ".safetensors");
            SafetensorsWriter.write(p, Map.of("w", t), dtype);
            try (SafetensorsFile f = SafetensorsFile.open(p)) {
                f.load("w"); // warm up
                long before = threads.getCurrentThreadAllocatedBytes();
                Tensor back = f.load("w");
                long allocated = threads.getCurrentThreadAllocatedBytes() - before;
                long result = 4L * n;
                assertTrue(allocated < result + (1 << 20), dtype + ": allocated " + allocated + " bytes for a " + result + "-byte tensor");
                assertEquals(8 * 997 % 251, back.data()[8 * 997]);
            }
        }
    }
}
