package dev.selfee.engine.io;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.selfee.engine.DType;
import dev.selfee.engine.Tensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * One memory-mapped safetensors file: an 8-byte little-endian header length, a JSON header
 * mapping each tensor name to {@code dtype}, {@code shape} and {@code data_offsets} (relative
 * to the end of the header), then the raw little-endian data. The header is validated on open;
 * data is read only when a tensor is loaded. F32, F16 and BF16 load (widened to fp32); other
 * dtypes may be present and are reported only if someone asks for them.
 */
public final class SafetensorsFile implements CheckpointReader {
    /** Like the reference implementation, refuse absurd headers before allocating for them. */
    private static final long MAX_HEADER_BYTES = 100L << 20;
    private static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A tensor's header entry; {@code begin}/{@code end} are absolute byte positions in the file. */
    public record Entry(String name, String dtype, int[] shape, long begin, long end) {}

    private final Path file;
    private final Arena arena;
    private final MemorySegment mapped;
    private final Map<String, Entry> entries;
    private final Map<String, String> metadata;

    private SafetensorsFile(Path file, Arena arena, MemorySegment mapped, Map<String, Entry> entries, Map<String, String> metadata) {
        this.file = file;
        this.arena = arena;
        this.mapped = mapped;
        this.entries = entries;
        this.metadata = metadata;
    }

    public static SafetensorsFile open(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) {
                throw new CheckpointException(file, "truncated: " + size + " bytes, but a safetensors file starts with an 8-byte header length");
            }
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0);
            long headerLen = lenBuf.getLong(0);
            if (headerLen < 2 || headerLen > size - 8) {
                throw new CheckpointException(file, "header length " + Long.toUnsignedString(headerLen) + " does not fit in the file of "
                        + size + " bytes (truncated or not a safetensors file)");
            }
            if (headerLen > MAX_HEADER_BYTES) {
                throw new CheckpointException(file, "header length " + headerLen + " exceeds the " + MAX_HEADER_BYTES + "-byte limit");
            }
            ByteBuffer header = ByteBuffer.allocate((int) headerLen);
            readFully(ch, header, 8);
            long dataStart = 8 + headerLen;
            Map<String, String> metadata = new LinkedHashMap<>();
            Map<String, Entry> entries = parseHeader(file, new String(header.array(), StandardCharsets.UTF_8), dataStart, size, metadata);
            Arena arena = Arena.ofShared();
            try {
                MemorySegment mapped = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
                return new SafetensorsFile(file, arena, mapped, entries, Collections.unmodifiableMap(metadata));
            } catch (IOException | RuntimeException e) {
                arena.close();
                throw e;
            }
        } catch (NoSuchFileException e) {
            throw new CheckpointException(file, "no such file", e);
        } catch (IOException e) {
            throw new CheckpointException(file, "cannot read: " + e.getMessage(), e);
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos + buf.position());
            if (n < 0) throw new IOException("unexpected end of file");
        }
    }

    private static Map<String, Entry> parseHeader(Path file, String text, long dataStart, long fileSize, Map<String, String> metadata) {
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JacksonException e) {
            throw new CheckpointException(file, "header is not valid JSON: " + e.getOriginalMessage()
                    + " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")", e);
        }
        if (root == null || !root.isObject()) throw new CheckpointException(file, "header is not a JSON object");
        long dataSize = fileSize - dataStart;
        Map<String, Entry> entries = new LinkedHashMap<>();
        Entry firstCut = null; // of the tensors whose data lies past the end of the file, the first in file order
        long needed = 0;
        for (Map.Entry<String, JsonNode> f : root.properties()) {
            String name = f.getKey();
            JsonNode v = f.getValue();
            if (name.equals("__metadata__")) {
                if (!v.isObject()) throw new CheckpointException(file, "__metadata__ is not a JSON object");
                v.properties().forEach(m -> metadata.put(m.getKey(), m.getValue().isTextual() ? m.getValue().asText() : m.getValue().toString()));
                continue;
            }
            String where = "tensor '" + name + "'";
            if (!v.isObject()) throw new CheckpointException(file, where + ": header entry is not a JSON object");
            JsonNode dt = v.get("dtype"), sh = v.get("shape"), off = v.get("data_offsets");
            if (dt == null || !dt.isTextual()) throw new CheckpointException(file, where + ": missing or non-string 'dtype'");
            if (sh == null || !sh.isArray()) throw new CheckpointException(file, where + ": missing or non-array 'shape'");
            if (off == null || !off.isArray() || off.size() != 2 || !off.get(0).canConvertToLong() || !off.get(1).canConvertToLong()
                    || !off.get(0).isIntegralNumber() || !off.get(1).isIntegralNumber()) {
                throw new CheckpointException(file, where + ": 'data_offsets' must be [begin, end]");
            }
            int[] shape = new int[sh.size()];
            long count = 1;
            for (int d = 0; d < shape.length; d++) {
                JsonNode s = sh.get(d);
                if (!s.isIntegralNumber() || !s.canConvertToInt() || s.intValue() < 0) {
                    throw new CheckpointException(file, where + ": shape " + sh + " has an invalid dimension");
                }
                shape[d] = s.intValue();
                count = Math.multiplyHigh(count, shape[d]) != 0 ? Long.MAX_VALUE : count * shape[d];
            }
            long begin = off.get(0).longValue(), end = off.get(1).longValue();
            if (begin < 0 || end < begin) {
                throw new CheckpointException(file, where + ": data_offsets [" + begin + ", " + end + "] are not an ordered byte range");
            }
            DType known = dtypeOf(dt.asText());
            if (known != null && (count == Long.MAX_VALUE || end - begin != count * known.bytes)) {
                throw new CheckpointException(file, where + ": data_offsets [" + begin + ", " + end + "] span " + (end - begin)
                        + " bytes but " + dt.asText() + " " + Arrays.toString(shape) + " needs " + (count * known.bytes));
            }
            needed = Math.max(needed, end);
            if (end > dataSize) {
                if (firstCut == null || begin < firstCut.begin()) firstCut = new Entry(name, dt.asText(), shape, begin, end);
                continue;
            }
            entries.put(name, new Entry(name, dt.asText(), shape, dataStart + begin, dataStart + end));
        }
        if (firstCut != null) {
            throw new CheckpointException(file, "truncated: tensor '" + firstCut.name() + "' needs data bytes [" + firstCut.begin() + ", "
                    + firstCut.end() + ") but only " + dataSize + " follow the header (the header describes " + needed + ")");
        }
        return Collections.unmodifiableMap(entries);
    }

    /** The engine's DType for a safetensors dtype name, or null when it cannot be loaded. */
    static DType dtypeOf(String name) {
        return switch (name) {
            case "F32" -> DType.F32;
            case "F16" -> DType.F16;
            case "BF16" -> DType.BF16;
            default -> null;
        };
    }

    public Path file() {
        return file;
    }

    /** The {@code __metadata__} strings (e.g. {@code format=pt}). */
    public Map<String, String> metadata() {
        return metadata;
    }

    @Override
    public Set<String> names() {
        return entries.keySet();
    }

    public Entry entry(String name) {
        Entry e = entries.get(name);
        if (e == null) {
            throw new CheckpointException(file, "no tensor '" + name + "' (the file holds " + entries.size() + " tensors)");
        }
        return e;
    }

    @Override
    public int[] shape(String name) {
        return entry(name).shape().clone();
    }

    @Override
    public String dtype(String name) {
        return entry(name).dtype();
    }

    @Override
    public Path fileOf(String name) {
        return file;
    }

    @Override
    public void loadInto(String name, Tensor target) {
        Entry e = entry(name);
        DType dtype = dtypeOf(e.dtype());
        if (dtype == null) {
            throw new CheckpointException(file, "tensor '" + name + "' has dtype " + e.dtype() + "; only F32, F16 and BF16 can be loaded");
        }
        if (!Arrays.equals(target.shape(), e.shape())) {
            throw new CheckpointException(file, "tensor '" + name + "' has shape " + Arrays.toString(e.shape())
                    + ", expected " + Arrays.toString(target.shape()));
        }
        if (!target.isContiguous()) throw new IllegalArgumentException("loadInto '" + name + "': the target tensor must be contiguous");
        float[] dst = target.data();
        int at = target.offset(), n = target.size();
        long src = e.begin();
        try {
            switch (dtype) {
                case F32 -> MemorySegment.copy(mapped, F32_LE, src, dst, at, n);
                case BF16 -> widen(src, dst, at, n, true);
                case F16 -> widen(src, dst, at, n, false);
            }
        } catch (IllegalStateException closed) {
            throw new CheckpointException(file, "tensor '" + name + "': the checkpoint was closed", closed);
        }
    }

    /** Widens 16-bit values through a small buffer, so no second full-size copy is made. */
    private void widen(long src, float[] dst, int at, int n, boolean bf16) {
        short[] buf = new short[Math.min(n, 1 << 14)];
        for (int done = 0; done < n; ) {
            int k = Math.min(buf.length, n - done);
            MemorySegment.copy(mapped, I16_LE, src + 2L * done, buf, 0, k);
            for (int i = 0; i < k; i++) dst[at + done + i] = bf16 ? DType.bf16ToFloat(buf[i]) : DType.f16ToFloat(buf[i]);
            done += k;
        }
    }

    /** Unmaps the file; tensors already loaded stay valid. */
    @Override
    public void close() {
        if (arena.scope().isAlive()) arena.close();
    }
}
