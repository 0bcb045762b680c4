package dev.selfee.engine.backend.opencl;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.selfee.engine.backend.AdamWArgs;
import dev.selfee.engine.backend.AttentionShape;
import dev.selfee.engine.backend.Backend;
import dev.selfee.engine.backend.DeviceBuffer;
import dev.selfee.engine.backend.DeviceSlice;
import dev.selfee.engine.backend.GemmBounds;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The {@link Backend} on one OpenCL device: a context, an in-order queue and the kernels of
 * the {@code *.cl} resources next to this class, compiled once when the backend opens.
 * Transfers go through a reusable native staging buffer; kernel launches and transfers are
 * serialised on this object (a {@code cl_kernel}'s arguments are shared state).
 */
public final class OpenClBackend implements Backend {
    /** Kernel sources, compiled together into one program. */
    static final List<String> SOURCES = List.of("reduce.cl", "gemm.cl", "elementwise.cl", "rows.cl", "rope.cl", "attention.cl", "embedding.cl", "copy.cl");
    private static final List<String> KERNELS = List.of("gemm", "add", "mul", "scale", "fill", "silu", "silu_backward",
            "swiglu", "swiglu_backward", "adamw",
            "softmax_rows", "softmax_rows_backward", "rms_norm_rows", "rms_norm_rows_backward", "rms_norm_weight_grad",
            "row_sums", "row_sums_of_squares", "log_softmax_gather", "log_softmax_gather_backward", "log_softmax_gather_backward_in_place", "rope", "rope_backward",
            "attention_forward", "attention_backward_query", "attention_backward_key",
            "embedding", "embedding_links", "embedding_backward", "copy_rows");
    private static final int GEMM_GROUP = 16, GEMM_THREADS = GEMM_GROUP * GEMM_GROUP;
    /** GEMM tiles: the default program's, and a second build of gemm.cl for large products on GPUs. */
    static final int SMALL_TILE = 64, LARGE_TILE = 128;
    /** Largest staging buffer for transfers (floats); bigger transfers go in chunks. */
    static final long STAGING_MAX = 4L << 20;

    private final OpenCl cl;
    private final OpenClDevice device;
    private final MemorySegment context, queue, program;
    /** The GEMM with {@link #LARGE_TILE}; null where that build failed or cannot run 256 work-items. */
    private final MemorySegment largeProgram;
    private final Map<String, MemorySegment> kernels = new HashMap<>();
    private final Map<String, Long> groupLimits = new HashMap<>();
    private final Arena arena = Arena.ofAuto();
    private MemorySegment staging = MemorySegment.NULL;
    /** Values passed between the kernels of one call (per-row factors, links), by use; grown as needed. */
    private final Map<String, DeviceBuffer> scratch = new HashMap<>();
    /** Work-items per attention work-group at most: the queries or keys one block handles. */
    private static final int ATTENTION_GROUP = 64;

    /** Opens device number {@code index} (see {@code selfee devices}) through {@code cl}. */
    public static OpenClBackend open(OpenCl cl, int index) {
        List<OpenClPlatform> platforms = OpenClPlatform.discover(cl);
        if (platforms.isEmpty()) {
            throw new OpenClException("OpenCL is installed (" + cl.library() + ") but no platform (driver) was found;"
                    + " install one, e.g. pocl-opencl-icd for the CPU or your GPU vendor's OpenCL driver, or " + OpenCl.HINT);
        }
        List<OpenClDevice> devices = platforms.stream().flatMap(p -> p.devices().stream()).toList();
        if (devices.isEmpty()) {
            throw new OpenClException("no OpenCL device found on platform(s) "
                    + platforms.stream().map(OpenClPlatform::name).collect(Collectors.joining(", ")) + "; " + OpenCl.HINT);
        }
        if (index < 0 || index >= devices.size()) {
            throw new OpenClException("OpenCL device " + index + " does not exist; there are " + devices.size() + ": "
                    + devices.stream().map(d -> d.index() + " = " + d.name()).collect(Collectors.joining(", "))
                    + " (see 'selfee devices')");
        }
        return new OpenClBackend(cl, devices.get(index));
    }

    private OpenClBackend(OpenCl cl, OpenClDevice device) {
        this.cl = cl;
        this.device = device;
        this.context = cl.createContext(device.id());
        MemorySegment q = MemorySegment.NULL, p = MemorySegment.NULL;
        try {
            q = cl.createQueue(context, device.id());
            p = cl.buildProgram(context, device.id(), source(SOURCES), "-DTILE=" + SMALL_TILE);
            for (String k : KERNELS) {
                MemorySegment kernel = cl.createKernel(p, k);
                kernels.put(k, kernel);
                groupLimits.put(k, cl.kernelWorkGroupSize(kernel, device.id()));
            }
            if (groupLimits.get("gemm") < GEMM_THREADS) {
                throw new OpenClException("OpenCL device " + device.summary() + " runs the gemm kernel with at most "
                        + groupLimits.get("gemm") + " work-items per group; it needs " + GEMM_THREADS + "; " + OpenCl.HINT);
            }
        } catch (RuntimeException e) {
            kernels.values().forEach(cl::releaseKernel);
            if (!p.equals(MemorySegment.NULL)) cl.releaseProgram(p);
            if (!q.equals(MemorySegment.NULL)) cl.releaseQueue(q);
            cl.releaseContext(context);
            throw e;
        }
        this.queue = q;
        this.program = p;
        this.largeProgram = buildLargeGemm();
    }

    /** The 128×128-tile GEMM, or null where the device cannot build or run it (the 64 tile then serves all sizes). */
    private MemorySegment buildLargeGemm() {
        MemorySegment p;
        try {
            p = cl.buildProgram(context, device.id(), source(List.of("gemm.cl")), "-DTILE=" + LARGE_TILE);
        } catch (OpenClException e) {
            return null;
        }
        try {
            MemorySegment kernel = cl.createKernel(p, "gemm");
            if (cl.kernelWorkGroupSize(kernel, device.id()) < GEMM_THREADS) {
                cl.releaseKernel(kernel);
                cl.releaseProgram(p);
                return null;
            }
            kernels.put("gemm" + LARGE_TILE, kernel);
            return p;
        } catch (OpenClException e) {
            cl.releaseProgram(p);
            return null;
        }
    }

    /** The OpenCL C of the named kernel sources, as one program. */
    static String source(List<String> sources) {
        StringBuilder sb = new StringBuilder();
        for (String name : sources) {
            try (InputStream in = OpenClBackend.class.getResourceAsStream(name)) {
                if (in == null) throw new IllegalStateException("kernel source " + name + " is missing from the class path");
                sb.append(new String(in.readAllBytes(), StandardCharsets.UTF_8)).append('\n');
            } catch (IOException e) {
                throw new UncheckedIOException("reading kernel source " + name, e);
            }
        }
        return sb.toString();
    }

    @Override
    public String name() {
        return "opencl";
    }

    @Override
    public String deviceDescription() {
        return device.summary();
    }

    /** The device this backend runs on. */
    public OpenClDevice device() {
        return device;
    }

    OpenCl cl() {
        return cl;
    }

    @Override
    public DeviceBuffer allocate(long length) {
        if (length < 0) throw new IllegalArgumentException("opencl allocate: negative length " + length);
        // OpenCL refuses zero-sized buffers; a 1-float allocation stands in for an empty one
        MemorySegment mem = cl.createBuffer(context, Math.max(1, length) * Float.BYTES);
        return new OpenClBuffer(this, mem, length);
    }

    // ---- transfers ----

    synchronized void write(MemorySegment mem, long at, float[] src, int srcOff, int count) {
        for (int done = 0; done < count; ) {
            int chunk = (int) Math.min(count - done, STAGING_MAX);
            MemorySegment s = staging(chunk);
            MemorySegment.copy(src, srcOff + done, s, JAVA_FLOAT, 0, chunk);
            cl.write(queue, mem, (at + done) * Float.BYTES, s, (long) chunk * Float.BYTES);
            done += chunk;
        }
    }

    synchronized void write(MemorySegment mem, long at, MemorySegment src) {
        if (src.isNative()) {
            cl.write(queue, mem, at * Float.BYTES, src, src.byteSize());
            return;
        }
        long count = src.byteSize() / Float.BYTES;
        for (long done = 0; done < count; ) {
            int chunk = (int) Math.min(count - done, STAGING_MAX);
            MemorySegment s = staging(chunk);
            MemorySegment.copy(src, done * Float.BYTES, s, 0, (long) chunk * Float.BYTES);
            cl.write(queue, mem, (at + done) * Float.BYTES, s, (long) chunk * Float.BYTES);
            done += chunk;
        }
    }

    synchronized void read(MemorySegment mem, long at, float[] dst, int dstOff, int count) {
        for (int done = 0; done < count; ) {
            int chunk = (int) Math.min(count - done, STAGING_MAX);
            MemorySegment s = staging(chunk);
            cl.read(queue, mem, (at + done) * Float.BYTES, s, (long) chunk * Float.BYTES);
            MemorySegment.copy(s, JAVA_FLOAT, 0, dst, dstOff + done, chunk);
            done += chunk;
        }
    }

    private MemorySegment staging(int floats) {
        if (staging.byteSize() < (long) floats * Float.BYTES) staging = arena.allocate((long) floats * Float.BYTES, 64);
        return staging;
    }

    // ---- kernels ----

    @Override
    public synchronized void copy(DeviceBuffer src, long srcOff, DeviceBuffer dst, long dstOff, long n) {
        if (srcOff < 0 || dstOff < 0 || n < 0) {
            throw new IllegalArgumentException("opencl copy: negative offset or length (" + srcOff + ", " + dstOff + ", " + n + ")");
        }
        DeviceBuffer.requireHolds("opencl copy", "source", src, srcOff + n);
        DeviceBuffer.requireHolds("opencl copy", "destination", dst, dstOff + n);
        if (n == 0) return;
        cl.copy(queue, own(src).mem(), (DeviceSlice.offset(src) + srcOff) * Float.BYTES,
                own(dst).mem(), (DeviceSlice.offset(dst) + dstOff) * Float.BYTES, n * Float.BYTES);
    }

    @Override
    public void copyRows(DeviceBuffer src, long srcOff, long srcStride, DeviceBuffer dst, long dstOff, long dstStride, int rows, int cols) {
        DeviceBuffer.requireRows("opencl copyRows", "source", src, srcOff, srcStride, rows, cols);
        DeviceBuffer.requireRows("opencl copyRows", "destination", dst, dstOff, dstStride, rows, cols);
        if (rows == 0 || cols == 0) return;
        launch2d("copy_rows", cols, rows, new Shifted(src, srcOff), srcStride, new Shifted(dst, dstOff), dstStride, cols);
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                     DeviceBuffer a, long aOff, int lda, DeviceBuffer b, long bOff, int ldb,
                     float beta, DeviceBuffer c, long cOff, int ldc) {
        // on GPUs, large products use the bigger tile (more reuse per load); small ones keep enough work-groups
        boolean large = largeProgram != null && device.type().equals("gpu") && m >= 2 * LARGE_TILE && n >= 2 * LARGE_TILE;
        gemm(large ? LARGE_TILE : SMALL_TILE, transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }

    /** The GEMM with a given tile size (tests run both on any device). */
    void gemm(int tile, boolean transA, boolean transB, int m, int n, int k, float alpha,
              DeviceBuffer a, long aOff, int lda, DeviceBuffer b, long bOff, int ldb,
              float beta, DeviceBuffer c, long cOff, int ldc) {
        GemmBounds.check(name(), transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
        if (tile != SMALL_TILE && !hasLargeTile()) throw new IllegalStateException("no " + tile + "-tile GEMM on " + device.summary());
        if (m == 0 || n == 0) return;
        long[] global = {(long) ceilDiv(n, tile) * GEMM_GROUP, (long) ceilDiv(m, tile) * GEMM_GROUP};
        launch(tile == SMALL_TILE ? "gemm" : "gemm" + LARGE_TILE, global, new long[] {GEMM_GROUP, GEMM_GROUP},
                transA ? 1 : 0, transB ? 1 : 0, m, n, k, alpha, new Shifted(a, aOff), lda,
                new Shifted(b, bOff), ldb, beta, new Shifted(c, cOff), ldc);
    }

    /** Whether the {@link #LARGE_TILE} GEMM built on this device. */
    boolean hasLargeTile() {
        return largeProgram != null;
    }

    @Override
    public void add(DeviceBuffer a, DeviceBuffer b, DeviceBuffer out, int n) {
        elementwise("add", n, a, b, out);
        launchFlat("add", n, a, b, out, n);
    }

    @Override
    public void mul(DeviceBuffer a, DeviceBuffer b, DeviceBuffer out, int n) {
        elementwise("mul", n, a, b, out);
        launchFlat("mul", n, a, b, out, n);
    }

    @Override
    public void scale(DeviceBuffer x, float s, DeviceBuffer out, int n) {
        elementwise("scale", n, x, out);
        launchFlat("scale", n, x, s, out, n);
    }

    @Override
    public void fill(DeviceBuffer out, float value, int n) {
        elementwise("fill", n, out);
        launchFlat("fill", n, out, value, n);
    }

    @Override
    public void silu(DeviceBuffer x, DeviceBuffer out, int n) {
        elementwise("silu", n, x, out);
        launchFlat("silu", n, x, out, n);
    }

    @Override
    public void siluBackward(DeviceBuffer x, DeviceBuffer dy, DeviceBuffer dx, int n) {
        elementwise("siluBackward", n, x, dy, dx);
        launchFlat("silu_backward", n, x, dy, dx, n);
    }

    @Override
    public void swiglu(DeviceBuffer gate, DeviceBuffer up, DeviceBuffer out, int n) {
        elementwise("swiglu", n, gate, up, out);
        launchFlat("swiglu", n, gate, up, out, n);
    }

    @Override
    public void swigluBackward(DeviceBuffer gate, DeviceBuffer up, DeviceBuffer dy, DeviceBuffer dgate, DeviceBuffer dup, int n) {
        elementwise("swigluBackward", n, gate, up, dy);
        if (dgate != null) elementwise("swigluBackward dgate", n, dgate);
        if (dup != null) elementwise("swigluBackward dup", n, dup);
        if (dgate == null && dup == null) return;
        launchFlat("swiglu_backward", n, gate, up, dy, dgate, dup, n);
    }

    @Override
    public void softmaxRows(DeviceBuffer x, DeviceBuffer out, int rows, int cols) {
        matrix("softmaxRows", rows, cols, x, out);
        if (rows == 0 || cols == 0) return;
        int group = rowGroup("softmax_rows", cols);
        launch("softmax_rows", new long[] {(long) rows * group}, new long[] {group}, x, out, cols, new LocalFloats(group));
    }

    @Override
    public void softmaxRowsBackward(DeviceBuffer y, DeviceBuffer dy, DeviceBuffer dx, int rows, int cols) {
        matrix("softmaxRowsBackward", rows, cols, y, dy, dx);
        if (rows == 0 || cols == 0) return;
        int group = rowGroup("softmax_rows_backward", cols);
        launch("softmax_rows_backward", new long[] {(long) rows * group}, new long[] {group}, y, dy, dx, cols, new LocalFloats(group));
    }

    @Override
    public void rmsNormRows(DeviceBuffer x, DeviceBuffer weight, DeviceBuffer out, int rows, int cols, float eps) {
        matrix("rmsNormRows", rows, cols, x, out);
        DeviceBuffer.requireHolds("opencl rmsNormRows", "weight", weight, cols);
        if (rows == 0 || cols == 0) return;
        int group = rowGroup("rms_norm_rows", cols);
        launch("rms_norm_rows", new long[] {(long) rows * group}, new long[] {group}, x, weight, out, cols, eps, new LocalFloats(group));
    }

    @Override
    public synchronized void rmsNormRowsBackward(DeviceBuffer x, DeviceBuffer weight, DeviceBuffer dy, DeviceBuffer dx,
                                                 DeviceBuffer dweight, int rows, int cols, float eps) {
        matrix("rmsNormRowsBackward", rows, cols, x, dy, dx);
        if (dx == x || dx == dy) {
            throw new IllegalArgumentException("opencl rmsNormRowsBackward: dx must not be x or dy (both are read after dx is written)");
        }
        DeviceBuffer.requireHolds("opencl rmsNormRowsBackward", "weight", weight, cols);
        DeviceBuffer.requireHolds("opencl rmsNormRowsBackward", "dweight", dweight, cols);
        if (rows == 0 || cols == 0) return;
        DeviceBuffer inv = scratch("rms inv", rows);
        int group = rowGroup("rms_norm_rows_backward", cols);
        launch("rms_norm_rows_backward", new long[] {(long) rows * group}, new long[] {group},
                x, weight, dy, dx, inv, cols, eps, new LocalFloats(group));
        launchFlat("rms_norm_weight_grad", cols, x, dy, inv, dweight, rows, cols);
    }

    @Override
    public void rowSums(DeviceBuffer x, DeviceBuffer out, int rows, int cols) {
        matrix("rowSums", rows, cols, x);
        DeviceBuffer.requireHolds("opencl rowSums", "out", out, rows);
        if (rows == 0) return;
        int group = fixedRowGroup("row_sums");
        launch("row_sums", new long[] {(long) rows * group}, new long[] {group}, x, out, cols, new LocalFloats(group));
    }

    @Override
    public void rowSumsOfSquares(DeviceBuffer x, DeviceBuffer out, int rows, int cols) {
        matrix("rowSumsOfSquares", rows, cols, x);
        DeviceBuffer.requireHolds("opencl rowSumsOfSquares", "out", out, rows);
        if (rows == 0) return;
        int group = fixedRowGroup("row_sums_of_squares");
        launch("row_sums_of_squares", new long[] {(long) rows * group}, new long[] {group}, x, out, cols, new LocalFloats(group));
    }

    @Override
    public void rope(DeviceBuffer x, DeviceBuffer out, DeviceBuffer positions, DeviceBuffer invFreq, int rows, int heads, int headDim) {
        ropeArgs("rope", x, out, positions, invFreq, rows, heads, headDim);
        if (rows == 0) return;
        launchRope("rope", x, out, positions, invFreq, rows, heads, headDim);
    }

    @Override
    public void ropeBackward(DeviceBuffer dy, DeviceBuffer dx, DeviceBuffer positions, DeviceBuffer invFreq, int rows, int heads, int headDim) {
        ropeArgs("ropeBackward", dy, dx, positions, invFreq, rows, heads, headDim);
        if (dx == dy) throw new IllegalArgumentException("opencl ropeBackward: dx must not be dy (it is added to)");
        if (rows == 0) return;
        launchRope("rope_backward", dy, dx, positions, invFreq, rows, heads, headDim);
    }

    private static void ropeArgs(String op, DeviceBuffer x, DeviceBuffer out, DeviceBuffer positions, DeviceBuffer invFreq,
                                 int rows, int heads, int headDim) {
        if (heads <= 0 || headDim <= 0 || headDim % 2 != 0) {
            throw new IllegalArgumentException("opencl " + op + ": heads must be positive and head_dim positive and even, got " + heads + ", " + headDim);
        }
        matrix(op, rows, heads * headDim, x, out);
        DeviceBuffer.requireHolds("opencl " + op, "positions", positions, rows);
        DeviceBuffer.requireHolds("opencl " + op, "invFreq", invFreq, headDim / 2);
    }

    private void launchRope(String kernel, DeviceBuffer x, DeviceBuffer out, DeviceBuffer positions, DeviceBuffer invFreq,
                            int rows, int heads, int headDim) {
        int half = headDim / 2, group = (int) Math.min(64, groupLimits.get(kernel));
        launch(kernel, new long[] {(long) ceilDiv(half, group) * group, heads, rows}, new long[] {group, 1, 1},
                x, out, positions, invFreq, heads, headDim);
    }

    @Override
    public void attention(AttentionShape sh, DeviceBuffer q, DeviceBuffer k, DeviceBuffer v, DeviceBuffer keyMask,
                          DeviceBuffer out, DeviceBuffer lse) {
        attentionArgs("attention", sh, q, k, v, keyMask);
        DeviceBuffer.requireHolds("opencl attention", "out", out, sh.queryFloats());
        DeviceBuffer.requireHolds("opencl attention", "lse", lse, sh.lseFloats());
        if (sh.batch() == 0 || sh.qLen() == 0) return;
        int group = attentionGroup("attention_forward");
        int hd = sh.headDim();
        launch("attention_forward", new long[] {(long) group * sh.qLen(), sh.heads(), sh.batch()}, new long[] {group, 1, 1},
                q, k, v, keyMask, out, lse, sh.qLen(), sh.kLen(), sh.keyCapacity(), sh.window(), sh.heads(), sh.kvHeads(), hd, sh.scale(),
                new LocalFloats(hd), new LocalFloats(hd), new LocalFloats(group), new LocalFloats(group));
    }

    @Override
    public synchronized void attentionBackward(AttentionShape sh, DeviceBuffer q, DeviceBuffer k, DeviceBuffer v, DeviceBuffer keyMask,
                                               DeviceBuffer out, DeviceBuffer lse, DeviceBuffer dOut,
                                               DeviceBuffer dq, DeviceBuffer dk, DeviceBuffer dv) {
        String op = "opencl attentionBackward";
        attentionArgs("attentionBackward", sh, q, k, v, keyMask);
        DeviceBuffer.requireHolds(op, "out", out, sh.queryFloats());
        DeviceBuffer.requireHolds(op, "lse", lse, sh.lseFloats());
        DeviceBuffer.requireHolds(op, "dOut", dOut, sh.queryFloats());
        if (dq != null) DeviceBuffer.requireHolds(op, "dq", dq, sh.queryFloats());
        if (dk != null) DeviceBuffer.requireHolds(op, "dk", dk, sh.keyFloats());
        if (dv != null) DeviceBuffer.requireHolds(op, "dv", dv, sh.keyFloats());
        if (sh.batch() == 0 || sh.qLen() == 0 || (dq == null && dk == null && dv == null)) return;
        int hd = sh.headDim();
        DeviceBuffer delta = scratch("attention delta", sh.lseFloats());
        int group = attentionGroup("attention_backward_query");
        launch("attention_backward_query", new long[] {(long) group * sh.qLen(), sh.heads(), sh.batch()}, new long[] {group, 1, 1},
                q, k, v, keyMask, out, lse, dOut, delta, dq, sh.qLen(), sh.kLen(), sh.keyCapacity(), sh.window(), sh.heads(), sh.kvHeads(), hd, sh.scale(),
                new LocalFloats(hd), new LocalFloats(hd), new LocalFloats(hd), new LocalFloats(group), new LocalFloats(group));
        if (dk == null && dv == null) return;
        group = attentionGroup("attention_backward_key");
        launch("attention_backward_key", new long[] {(long) group * sh.kLen(), sh.kvHeads(), sh.batch()}, new long[] {group, 1, 1},
                q, k, v, keyMask, lse, dOut, delta, dk, dv, sh.qLen(), sh.kLen(), sh.keyCapacity(), sh.window(), sh.heads(), sh.kvHeads(), hd, sh.scale(),
                new LocalFloats(hd), new LocalFloats(hd), new LocalFloats(hd), new LocalFloats(hd), new LocalFloats(group),
                new LocalFloats(group));
    }

    private static void attentionArgs(String op, AttentionShape sh, DeviceBuffer q, DeviceBuffer k, DeviceBuffer v, DeviceBuffer keyMask) {
        String what = "opencl " + op + " (" + sh + ")";
        DeviceBuffer.requireHolds(what, "q", q, sh.queryFloats());
        DeviceBuffer.requireHolds(what, "k", k, sh.keyFloats());
        DeviceBuffer.requireHolds(what, "v", v, sh.keyFloats());
        if (keyMask != null) DeviceBuffer.requireHolds(what, "keyMask", keyMask, (long) sh.batch() * sh.kLen());
    }

    /**
     * The attention kernels' work-group: {@link #ATTENTION_GROUP} work-items, or the largest power
     * of two the device allows. One size for all shapes, so a device that specialises kernels per
     * work-group size (PoCL) compiles each once.
     */
    private int attentionGroup(String kernel) {
        return powerOfTwoAtMost((int) Math.min(ATTENTION_GROUP, groupLimits.get(kernel)));
    }

    /** The work-group of the row kernels that do not adapt to the row length: 256 or the device's limit. */
    private int fixedRowGroup(String kernel) {
        return powerOfTwoAtMost((int) Math.min(256, groupLimits.get(kernel)));
    }

    private static int powerOfTwoAtMost(int n) {
        return Integer.highestOneBit(Math.max(1, n));
    }

    @Override
    public void embedding(DeviceBuffer table, DeviceBuffer ids, DeviceBuffer out, int count, int vocab, int dim) {
        matrix("embedding table", vocab, dim, table);
        matrix("embedding out", count, dim, out);
        DeviceBuffer.requireHolds("opencl embedding", "ids", ids, count);
        if (count == 0 || dim == 0) return;
        launch2d("embedding", dim, count, table, ids, out, vocab, dim);
    }

    @Override
    public synchronized void embeddingBackward(DeviceBuffer dy, DeviceBuffer ids, DeviceBuffer dtable, int count, int vocab, int dim) {
        matrix("embeddingBackward dy", count, dim, dy);
        matrix("embeddingBackward dtable", vocab, dim, dtable);
        DeviceBuffer.requireHolds("opencl embeddingBackward", "ids", ids, count);
        if (count == 0 || dim == 0) return;
        DeviceBuffer links = scratch("embedding links", 2L * count);
        launchFlat("embedding_links", count, ids, links, count);
        launch2d("embedding_backward", dim, count, dy, ids, links, dtable, count, vocab, dim);
    }

    @Override
    public void logSoftmaxGather(DeviceBuffer logits, DeviceBuffer targets, DeviceBuffer weights,
                                 DeviceBuffer lse, DeviceBuffer picked, int rows, int vocab) {
        String op = "logSoftmaxGather";
        matrix(op, rows, vocab, logits);
        elementwise(op, rows, targets, weights, lse, picked);
        if (rows == 0) return;
        if (vocab <= 0) throw new IllegalArgumentException("opencl " + op + ": vocab must be positive, got " + vocab);
        int group = fixedRowGroup("log_softmax_gather");
        launch("log_softmax_gather", new long[] {(long) rows * group}, new long[] {group},
                logits, targets, weights, lse, picked, vocab, new LocalFloats(group));
    }

    @Override
    public void logSoftmaxGatherBackward(DeviceBuffer logits, DeviceBuffer targets, DeviceBuffer weights, DeviceBuffer lse,
                                         DeviceBuffer dPicked, int rowsPerGrad, DeviceBuffer dlogits, int rows, int vocab) {
        String op = "logSoftmaxGatherBackward";
        if (rowsPerGrad <= 0) throw new IllegalArgumentException("opencl " + op + ": rowsPerGrad must be positive, got " + rowsPerGrad);
        matrix(op, rows, vocab, logits, dlogits);
        elementwise(op, rows, targets, weights, lse);
        DeviceBuffer.requireHolds("opencl " + op, "dPicked", dPicked, ceilDiv(rows, rowsPerGrad));
        if (rows == 0 || vocab == 0) return;
        launch2d("log_softmax_gather_backward", vocab, rows, logits, targets, weights, lse, dPicked, rowsPerGrad, dlogits, vocab);
    }

    @Override
    public void logSoftmaxGatherBackwardInPlace(DeviceBuffer logits, DeviceBuffer targets, DeviceBuffer weights, DeviceBuffer lse,
                                                DeviceBuffer dPicked, int rowsPerGrad, int rows, int vocab) {
        String op = "logSoftmaxGatherBackwardInPlace";
        if (rowsPerGrad <= 0) throw new IllegalArgumentException("opencl " + op + ": rowsPerGrad must be positive, got " + rowsPerGrad);
        matrix(op, rows, vocab, logits);
        elementwise(op, rows, targets, weights, lse);
        DeviceBuffer.requireHolds("opencl " + op, "dPicked", dPicked, ceilDiv(rows, rowsPerGrad));
        if (rows == 0 || vocab == 0) return;
        launch2d("log_softmax_gather_backward_in_place", vocab, rows, logits, targets, weights, lse, dPicked, rowsPerGrad, vocab);
    }

    @Override
    public void adamw(DeviceBuffer param, DeviceBuffer grad, DeviceBuffer m, DeviceBuffer v, int n,
                      float lr, float beta1, float beta2, float eps, float weightDecay, long step) {
        AdamWArgs.check("opencl", step, beta1, beta2);
        elementwise("adamw", n, param, grad, m, v);
        launchFlat("adamw", n, param, grad, m, v, n, lr, beta1, beta2, eps, 1f - lr * weightDecay,
                AdamWArgs.correction(beta1, step), (float) Math.sqrt(AdamWArgs.correction(beta2, step)));
    }

    /** A device buffer of at least {@code floats} for {@code use}, kept for the next call (callers hold the lock). */
    private DeviceBuffer scratch(String use, long floats) {
        DeviceBuffer b = scratch.get(use);
        if (b == null || b.length() < floats) {
            if (b != null) b.close();
            b = allocate(floats);
            scratch.put(use, b);
        }
        return b;
    }

    @Override
    public synchronized void synchronize() {
        cl.finish(queue);
    }

    /** A buffer argument whose offset is the buffer's (as a slice) plus {@code floats}. */
    private record Shifted(DeviceBuffer buffer, long floats) {}

    /** Bytes of local memory for a kernel argument, left uninitialised. */
    private record LocalFloats(int count) {}

    private void launchFlat(String kernel, int n, Object... args) {
        if (n == 0) return;
        long group = Math.min(256, groupLimits.get(kernel));
        launch(kernel, new long[] {ceilDiv(n, (int) group) * group}, new long[] {group}, args);
    }

    /** One work-item per (column, row) of a cols×rows grid, rows of work-groups along the columns. */
    private void launch2d(String kernel, int cols, int rows, Object... args) {
        int group = (int) Math.min(64, groupLimits.get(kernel));
        launch(kernel, new long[] {(long) ceilDiv(cols, group) * group, rows}, new long[] {group, 1}, args);
    }

    /** A power-of-two work-group size for a row kernel: enough work-items for the row, at most 256. */
    private int rowGroup(String kernel, int cols) {
        int limit = (int) Math.min(256, groupLimits.get(kernel));
        int g = 1;
        while (g * 2 <= limit && g < cols) g *= 2;
        return g;
    }

    private synchronized void launch(String kernel, long[] global, long[] local, Object... args) {
        MemorySegment k = kernels.get(kernel);
        try (Arena a = Arena.ofConfined()) {
            for (int i = 0, at = 0; i < args.length; i++) {
                // a buffer (or slice, or null for an absent optional one) is two kernel arguments: pointer, offset
                switch (args[i]) {
                    case null -> {
                        cl.setArg(k, at++, ADDRESS.byteSize(), a.allocateFrom(ADDRESS, MemorySegment.NULL));
                        cl.setArg(k, at++, 8, a.allocateFrom(JAVA_LONG, 0L));
                    }
                    case DeviceBuffer buf -> {
                        cl.setArg(k, at++, ADDRESS.byteSize(), a.allocateFrom(ADDRESS, own(buf).mem()));
                        cl.setArg(k, at++, 8, a.allocateFrom(JAVA_LONG, DeviceSlice.offset(buf)));
                    }
                    case Shifted s -> {
                        cl.setArg(k, at++, ADDRESS.byteSize(), a.allocateFrom(ADDRESS, own(s.buffer()).mem()));
                        cl.setArg(k, at++, 8, a.allocateFrom(JAVA_LONG, DeviceSlice.offset(s.buffer()) + s.floats()));
                    }
                    case Integer v -> cl.setArg(k, at++, 4, a.allocateFrom(JAVA_INT, v));
                    case Float v -> cl.setArg(k, at++, 4, a.allocateFrom(JAVA_FLOAT, v));
                    case Long v -> cl.setArg(k, at++, 8, a.allocateFrom(JAVA_LONG, v));
                    case LocalFloats l -> cl.setArg(k, at++, (long) l.count() * Float.BYTES, MemorySegment.NULL);
                    default -> throw new IllegalArgumentException("kernel " + kernel + ": unsupported argument " + args[i]);
                }
            }
        }
        cl.enqueue(queue, k, global, local);
    }

    private static void elementwise(String op, int n, DeviceBuffer... buffers) {
        if (n < 0) throw new IllegalArgumentException("opencl " + op + ": negative length " + n);
        for (DeviceBuffer b : buffers) DeviceBuffer.requireHolds("opencl " + op, "operand", b, n);
    }

    private static void matrix(String op, int rows, int cols, DeviceBuffer... buffers) {
        if (rows < 0 || cols < 0) throw new IllegalArgumentException("opencl " + op + ": rows and cols must be >= 0, got " + rows + "×" + cols);
        for (DeviceBuffer b : buffers) DeviceBuffer.requireHolds("opencl " + op + " (" + rows + "×" + cols + ")", "operand", b, (long) rows * cols);
    }

    /** The cl_mem behind a buffer or slice of this backend. */
    private OpenClBuffer own(DeviceBuffer buf) {
        if (!(DeviceSlice.base(buf) instanceof OpenClBuffer ob) || ob.backend() != this) {
            throw new IllegalArgumentException("opencl backend (" + device.name() + ") was given a buffer of backend '"
                    + buf.backend().name() + "'" + (DeviceSlice.base(buf) instanceof OpenClBuffer ? " on another device" : ""));
        }
        return ob;
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }
}
