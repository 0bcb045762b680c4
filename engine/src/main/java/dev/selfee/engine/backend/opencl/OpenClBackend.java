package dev.selfee.engine.backend.opencl;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.selfee.engine.backend.AdamWArgs;
import dev.selfee.engine.backend.Backend;
import dev.selfee.engine.backend.DeviceBuffer;
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
    static final List<String> SOURCES = List.of("gemm.cl", "elementwise.cl", "rows.cl");
    private static final List<String> KERNELS = List.of("gemm", "add", "mul", "scale", "silu", "silu_backward",
            "softmax_rows", "softmax_rows_backward", "rms_norm_rows", "rms_norm_rows_backward", "rms_norm_weight_grad", "adamw");
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
    /** Per-row values passed between the two kernels of a backward pass; grown as needed. */
    private DeviceBuffer rowScratch;

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
        cl.copy(queue, own(src).mem(), srcOff * Float.BYTES, own(dst).mem(), dstOff * Float.BYTES, n * Float.BYTES);
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
                transA ? 1 : 0, transB ? 1 : 0, m, n, k, alpha, own(a), aOff, lda, own(b), bOff, ldb, beta, own(c), cOff, ldc);
    }

    /** Whether the {@link #LARGE_TILE} GEMM built on this device. */
    boolean hasLargeTile() {
        return largeProgram != null;
    }

    @Override
    public void add(DeviceBuffer a, DeviceBuffer b, DeviceBuffer out, int n) {
        elementwise("add", n, a, b, out);
        launchFlat("add", n, own(a), own(b), own(out), n);
    }

    @Override
    public void mul(DeviceBuffer a, DeviceBuffer b, DeviceBuffer out, int n) {
        elementwise("mul", n, a, b, out);
        launchFlat("mul", n, own(a), own(b), own(out), n);
    }

    @Override
    public void scale(DeviceBuffer x, float s, DeviceBuffer out, int n) {
        elementwise("scale", n, x, out);
        launchFlat("scale", n, own(x), s, own(out), n);
    }

    @Override
    public void silu(DeviceBuffer x, DeviceBuffer out, int n) {
        elementwise("silu", n, x, out);
        launchFlat("silu", n, own(x), own(out), n);
    }

    @Override
    public void siluBackward(DeviceBuffer x, DeviceBuffer dy, DeviceBuffer dx, int n) {
        elementwise("siluBackward", n, x, dy, dx);
        launchFlat("silu_backward", n, own(x), own(dy), own(dx), n);
    }

    @Override
    public void softmaxRows(DeviceBuffer x, DeviceBuffer out, int rows, int cols) {
        matrix("softmaxRows", rows, cols, x, out);
        if (rows == 0 || cols == 0) return;
        int group = rowGroup("softmax_rows", cols);
        launch("softmax_rows", new long[] {(long) rows * group}, new long[] {group}, own(x), own(out), cols, new LocalFloats(group));
    }

    @Override
    public void softmaxRowsBackward(DeviceBuffer y, DeviceBuffer dy, DeviceBuffer dx, int rows, int cols) {
        matrix("softmaxRowsBackward", rows, cols, y, dy, dx);
        if (rows == 0 || cols == 0) return;
        int group = rowGroup("softmax_rows_backward", cols);
        launch("softmax_rows_backward", new long[] {(long) rows * group}, new long[] {group}, own(y), own(dy), own(dx), cols,
                new LocalFloats(group));
    }

    @Override
    public void rmsNormRows(DeviceBuffer x, DeviceBuffer weight, DeviceBuffer out, int rows, int cols, float eps) {
        matrix("rmsNormRows", rows, cols, x, out);
        DeviceBuffer.requireHolds("opencl rmsNormRows", "weight", weight, cols);
        if (rows == 0 || cols == 0) return;
        int group = rowGroup("rms_norm_rows", cols);
        launch("rms_norm_rows", new long[] {(long) rows * group}, new long[] {group}, own(x), own(weight), own(out), cols, eps,
                new LocalFloats(group));
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
        if (rowScratch == null || rowScratch.length() < rows) {
            if (rowScratch != null) rowScratch.close();
            rowScratch = allocate(rows);
        }
        int group = rowGroup("rms_norm_rows_backward", cols);
        launch("rms_norm_rows_backward", new long[] {(long) rows * group}, new long[] {group},
                own(x), own(weight), own(dy), own(dx), own(rowScratch), cols, eps, new LocalFloats(group));
        launchFlat("rms_norm_weight_grad", cols, own(x), own(dy), own(rowScratch), own(dweight), rows, cols);
    }

    @Override
    public void adamw(DeviceBuffer param, DeviceBuffer grad, DeviceBuffer m, DeviceBuffer v, int n,
                      float lr, float beta1, float beta2, float eps, float weightDecay, long step) {
        AdamWArgs.check("opencl", step, beta1, beta2);
        elementwise("adamw", n, param, grad, m, v);
        launchFlat("adamw", n, own(param), own(grad), own(m), own(v), n, lr, beta1, beta2, eps, 1f - lr * weightDecay,
                AdamWArgs.correction(beta1, step), (float) Math.sqrt(AdamWArgs.correction(beta2, step)));
    }

    @Override
    public synchronized void synchronize() {
        cl.finish(queue);
    }

    /** Bytes of local memory for a kernel argument, left uninitialised. */
    private record LocalFloats(int count) {}

    private void launchFlat(String kernel, int n, Object... args) {
        if (n == 0) return;
        long group = Math.min(256, groupLimits.get(kernel));
        launch(kernel, new long[] {ceilDiv(n, (int) group) * group}, new long[] {group}, args);
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
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case OpenClBuffer buf -> {
                        MemorySegment v = a.allocate(ADDRESS);
                        v.set(ADDRESS, 0, buf.mem());
                        cl.setArg(k, i, ADDRESS.byteSize(), v);
                    }
                    case Integer v -> cl.setArg(k, i, 4, a.allocateFrom(JAVA_INT, v));
                    case Float v -> cl.setArg(k, i, 4, a.allocateFrom(JAVA_FLOAT, v));
                    case Long v -> cl.setArg(k, i, 8, a.allocateFrom(JAVA_LONG, v));
                    case LocalFloats l -> cl.setArg(k, i, (long) l.count() * Float.BYTES, MemorySegment.NULL);
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

    private OpenClBuffer own(DeviceBuffer buf) {
        if (!(buf instanceof OpenClBuffer ob) || ob.backend() != this) {
            throw new IllegalArgumentException("opencl backend (" + device.name() + ") was given a buffer of backend '"
                    + buf.backend().name() + "'" + (buf instanceof OpenClBuffer ? " on another device" : ""));
        }
        return ob;
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }
}
