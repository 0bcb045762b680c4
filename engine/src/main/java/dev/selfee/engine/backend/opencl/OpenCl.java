package dev.selfee.engine.backend.opencl;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;

/**
 * The OpenCL C API as far as selfee needs it, bound with the FFM API (no JNI, nothing to
 * compile). Each method calls one or two OpenCL functions and turns a non-zero status into an
 * {@link OpenClException} that names the call and the error. Handles ({@code cl_platform_id},
 * {@code cl_context}, {@code cl_mem}, ...) are plain {@link MemorySegment} addresses.
 *
 * <p>Assumes a 64-bit platform: {@code size_t} and {@code cl_ulong} are Java longs.
 */
public final class OpenCl {
    /** The ICD loader's name on Linux; it dispatches to whichever drivers are installed. */
    public static final String LIBRARY = "libOpenCL.so.1";
    /** An environment variable naming another OpenCL library (a path or a name) to bind instead. */
    public static final String LIBRARY_ENV = "SELFEE_OPENCL_LIBRARY";
    /** What to tell users who cannot use OpenCL. */
    public static final String HINT = "use --backend cpu";

    // cl.h constants
    static final int CL_PLATFORM_VERSION = 0x0901, CL_PLATFORM_NAME = 0x0902, CL_PLATFORM_VENDOR = 0x0903;
    static final long CL_DEVICE_TYPE_ALL = 0xFFFFFFFFL;
    static final int CL_DEVICE_TYPE = 0x1000, CL_DEVICE_MAX_COMPUTE_UNITS = 0x1002, CL_DEVICE_MAX_WORK_GROUP_SIZE = 0x1004,
            CL_DEVICE_MAX_MEM_ALLOC_SIZE = 0x1010, CL_DEVICE_GLOBAL_MEM_SIZE = 0x101F, CL_DEVICE_LOCAL_MEM_SIZE = 0x1023,
            CL_DEVICE_NAME = 0x102B, CL_DEVICE_VENDOR = 0x102C, CL_DRIVER_VERSION = 0x102D, CL_DEVICE_VERSION = 0x102F;
    static final long CL_MEM_READ_WRITE = 1L;
    static final int CL_PROGRAM_BUILD_LOG = 0x1183;
    static final int CL_KERNEL_WORK_GROUP_SIZE = 0x11B0;
    static final int CL_TRUE = 1;
    static final int CL_PLATFORM_NOT_FOUND_KHR = -1001, CL_DEVICE_NOT_FOUND = -1;

    private static OpenCl shared;

    private final String library;
    private final SymbolLookup lookup;
    private final MethodHandle getPlatformIDs, getPlatformInfo, getDeviceIDs, getDeviceInfo,
            createContext, createCommandQueueWithProperties, createCommandQueue, createBuffer,
            enqueueWriteBuffer, enqueueReadBuffer, enqueueCopyBuffer, createProgramWithSource, buildProgram, getProgramBuildInfo,
            createKernel, getKernelWorkGroupInfo, setKernelArg, enqueueNDRangeKernel, finish,
            releaseMemObject, releaseKernel, releaseProgram, releaseCommandQueue, releaseContext;

    /** The system's OpenCL library ({@code SELFEE_OPENCL_LIBRARY}, else {@link #LIBRARY}), loaded once per process. */
    public static synchronized OpenCl get() {
        if (shared == null) shared = load(libraryName());
        return shared;
    }

    /** The library {@link #get()} binds. */
    public static String libraryName() {
        String env = System.getenv(LIBRARY_ENV);
        return env == null || env.isBlank() ? LIBRARY : env.trim();
    }

    /** Binds the OpenCL library called {@code library} (a name the dynamic linker resolves, or a path). */
    public static OpenCl load(String library) {
        SymbolLookup lookup;
        try {
            lookup = SymbolLookup.libraryLookup(library, Arena.global());
        } catch (IllegalArgumentException e) {
            throw new OpenClException("OpenCL is not available: cannot load the library " + library
                    + " (install an OpenCL driver and the ICD loader, e.g. Debian's ocl-icd-libopencl1 with a GPU driver or"
                    + " pocl-opencl-icd for the CPU, or name the library in " + LIBRARY_ENV + "), or " + HINT);
        }
        return new OpenCl(library, lookup);
    }

    private OpenCl(String library, SymbolLookup lookup) {
        this.library = library;
        this.lookup = lookup;
        getPlatformIDs = bind("clGetPlatformIDs", JAVA_INT, JAVA_INT, ADDRESS, ADDRESS);
        getPlatformInfo = bind("clGetPlatformInfo", JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG, ADDRESS, ADDRESS);
        getDeviceIDs = bind("clGetDeviceIDs", JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS);
        getDeviceInfo = bind("clGetDeviceInfo", JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG, ADDRESS, ADDRESS);
        createContext = bind("clCreateContext", ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS);
        createCommandQueueWithProperties = lookup.find("clCreateCommandQueueWithProperties").isPresent()
                ? bind("clCreateCommandQueueWithProperties", ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS) : null;
        createCommandQueue = lookup.find("clCreateCommandQueue").isPresent()
                ? bind("clCreateCommandQueue", ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS) : null;
        createBuffer = bind("clCreateBuffer", ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG, ADDRESS, ADDRESS);
        enqueueWriteBuffer = bind("clEnqueueWriteBuffer", JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, JAVA_LONG, JAVA_LONG, ADDRESS,
                JAVA_INT, ADDRESS, ADDRESS);
        enqueueReadBuffer = bind("clEnqueueReadBuffer", JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, JAVA_LONG, JAVA_LONG, ADDRESS,
                JAVA_INT, ADDRESS, ADDRESS);
        enqueueCopyBuffer = bind("clEnqueueCopyBuffer", JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_LONG,
                JAVA_INT, ADDRESS, ADDRESS);
        createProgramWithSource = bind("clCreateProgramWithSource", ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS);
        buildProgram = bind("clBuildProgram", JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS);
        getProgramBuildInfo = bind("clGetProgramBuildInfo", JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, JAVA_LONG, ADDRESS, ADDRESS);
        createKernel = bind("clCreateKernel", ADDRESS, ADDRESS, ADDRESS, ADDRESS);
        getKernelWorkGroupInfo = bind("clGetKernelWorkGroupInfo", JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, JAVA_LONG, ADDRESS, ADDRESS);
        setKernelArg = bind("clSetKernelArg", JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG, ADDRESS);
        enqueueNDRangeKernel = bind("clEnqueueNDRangeKernel", JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS,
                JAVA_INT, ADDRESS, ADDRESS);
        finish = bind("clFinish", JAVA_INT, ADDRESS);
        releaseMemObject = bind("clReleaseMemObject", JAVA_INT, ADDRESS);
        releaseKernel = bind("clReleaseKernel", JAVA_INT, ADDRESS);
        releaseProgram = bind("clReleaseProgram", JAVA_INT, ADDRESS);
        releaseCommandQueue = bind("clReleaseCommandQueue", JAVA_INT, ADDRESS);
        releaseContext = bind("clReleaseContext", JAVA_INT, ADDRESS);
        if (createCommandQueueWithProperties == null && createCommandQueue == null) {
            throw new OpenClException(library + " has neither clCreateCommandQueueWithProperties nor clCreateCommandQueue; " + HINT);
        }
    }

    private MethodHandle bind(String name, java.lang.foreign.MemoryLayout result, java.lang.foreign.MemoryLayout... args) {
        MemorySegment fn = lookup.find(name).orElseThrow(() -> new OpenClException(
                library + " has no function " + name + ": it is not an OpenCL library or too old; " + HINT));
        return Linker.nativeLinker().downcallHandle(fn, FunctionDescriptor.of(result, args));
    }

    /** The library these bindings call. */
    public String library() {
        return library;
    }

    // ---- platforms and devices ----

    /** Every platform (installed driver); empty when the ICD loader finds none. */
    public List<MemorySegment> platforms() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment count = arena.allocate(JAVA_INT);
            int err = (int) getPlatformIDs.invokeExact(0, MemorySegment.NULL, count);
            if (err == CL_PLATFORM_NOT_FOUND_KHR) return List.of();
            check("clGetPlatformIDs", err);
            int n = count.get(JAVA_INT, 0);
            if (n == 0) return List.of();
            MemorySegment ids = arena.allocate(ADDRESS, n);
            check("clGetPlatformIDs", (int) getPlatformIDs.invokeExact(n, ids, MemorySegment.NULL));
            return handles(ids, n);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** A string property of a platform (CL_PLATFORM_NAME, ...). */
    public String platformInfo(MemorySegment platform, int param) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment size = arena.allocate(JAVA_LONG);
            check("clGetPlatformInfo", (int) getPlatformInfo.invokeExact(platform, param, 0L, MemorySegment.NULL, size));
            MemorySegment value = arena.allocate(size.get(JAVA_LONG, 0) + 1);
            check("clGetPlatformInfo", (int) getPlatformInfo.invokeExact(platform, param, value.byteSize() - 1, value, MemorySegment.NULL));
            return value.getString(0).trim();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Every device of a platform, of any type; empty when it has none. */
    public List<MemorySegment> devices(MemorySegment platform) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment count = arena.allocate(JAVA_INT);
            int err = (int) getDeviceIDs.invokeExact(platform, CL_DEVICE_TYPE_ALL, 0, MemorySegment.NULL, count);
            if (err == CL_DEVICE_NOT_FOUND) return List.of();
            check("clGetDeviceIDs", err);
            int n = count.get(JAVA_INT, 0);
            if (n == 0) return List.of();
            MemorySegment ids = arena.allocate(ADDRESS, n);
            check("clGetDeviceIDs", (int) getDeviceIDs.invokeExact(platform, CL_DEVICE_TYPE_ALL, n, ids, MemorySegment.NULL));
            return handles(ids, n);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** A string property of a device (CL_DEVICE_NAME, ...). */
    public String deviceString(MemorySegment device, int param) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment size = arena.allocate(JAVA_LONG);
            check("clGetDeviceInfo", (int) getDeviceInfo.invokeExact(device, param, 0L, MemorySegment.NULL, size));
            MemorySegment value = arena.allocate(size.get(JAVA_LONG, 0) + 1);
            check("clGetDeviceInfo", (int) getDeviceInfo.invokeExact(device, param, value.byteSize() - 1, value, MemorySegment.NULL));
            return value.getString(0).trim();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** A numeric property of a device: cl_uint, cl_ulong, size_t or a bitfield, widened to long. */
    public long deviceNumber(MemorySegment device, int param) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = arena.allocate(JAVA_LONG); // zeroed: a 4-byte cl_uint fills the low half (little-endian)
            MemorySegment size = arena.allocate(JAVA_LONG);
            check("clGetDeviceInfo", (int) getDeviceInfo.invokeExact(device, param, 8L, value, size));
            return size.get(JAVA_LONG, 0) == 4 ? Integer.toUnsignedLong(value.get(JAVA_INT, 0)) : value.get(JAVA_LONG, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ---- context, queue, memory ----

    /** A context holding one device. */
    public MemorySegment createContext(MemorySegment device) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ids = arena.allocate(ADDRESS);
            ids.set(ADDRESS, 0, device);
            MemorySegment err = arena.allocate(JAVA_INT);
            MemorySegment ctx = (MemorySegment) createContext.invokeExact(MemorySegment.NULL, 1, ids, MemorySegment.NULL,
                    MemorySegment.NULL, err);
            check("clCreateContext", err.get(JAVA_INT, 0));
            return ctx;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** An in-order command queue; uses the OpenCL 2.0 call, and the 1.x one where that is missing or refused. */
    public MemorySegment createQueue(MemorySegment context, MemorySegment device) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment err = arena.allocate(JAVA_INT);
            int status = 0;
            if (createCommandQueueWithProperties != null) {
                MemorySegment q = (MemorySegment) createCommandQueueWithProperties.invokeExact(context, device, MemorySegment.NULL, err);
                status = err.get(JAVA_INT, 0);
                if (status == 0) return q;
            }
            if (createCommandQueue != null) {
                MemorySegment q = (MemorySegment) createCommandQueue.invokeExact(context, device, 0L, err);
                check("clCreateCommandQueue", err.get(JAVA_INT, 0));
                return q;
            }
            throw new OpenClException("clCreateCommandQueueWithProperties", status, null);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** A read-write device buffer of {@code bytes} bytes. */
    public MemorySegment createBuffer(MemorySegment context, long bytes) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment err = arena.allocate(JAVA_INT);
            MemorySegment mem = (MemorySegment) createBuffer.invokeExact(context, CL_MEM_READ_WRITE, bytes, MemorySegment.NULL, err);
            int status = err.get(JAVA_INT, 0);
            if (status != 0) throw new OpenClException("clCreateBuffer", status, "allocating " + bytes + " bytes");
            return mem;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Copies {@code bytes} bytes from host memory {@code src} to the buffer at {@code offset}; returns when done. */
    public void write(MemorySegment queue, MemorySegment mem, long offset, MemorySegment src, long bytes) {
        try {
            check("clEnqueueWriteBuffer", (int) enqueueWriteBuffer.invokeExact(queue, mem, CL_TRUE, offset, bytes, src, 0,
                    MemorySegment.NULL, MemorySegment.NULL));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Copies {@code bytes} bytes of the buffer at {@code offset} to host memory {@code dst}, after queued work. */
    public void read(MemorySegment queue, MemorySegment mem, long offset, MemorySegment dst, long bytes) {
        try {
            check("clEnqueueReadBuffer", (int) enqueueReadBuffer.invokeExact(queue, mem, CL_TRUE, offset, bytes, dst, 0,
                    MemorySegment.NULL, MemorySegment.NULL));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Queues a device-side copy of {@code bytes} bytes between buffers (regions must not overlap within one buffer). */
    public void copy(MemorySegment queue, MemorySegment src, long srcOffset, MemorySegment dst, long dstOffset, long bytes) {
        try {
            check("clEnqueueCopyBuffer", (int) enqueueCopyBuffer.invokeExact(queue, src, dst, srcOffset, dstOffset, bytes, 0,
                    MemorySegment.NULL, MemorySegment.NULL));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ---- programs and kernels ----

    /**
     * Compiles OpenCL C {@code source} for {@code device}. On a compile error the exception
     * carries the compiler's build log.
     */
    public MemorySegment buildProgram(MemorySegment context, MemorySegment device, String source, String options) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment strings = arena.allocate(ADDRESS);
            strings.set(ADDRESS, 0, arena.allocateFrom(source));
            MemorySegment err = arena.allocate(JAVA_INT);
            MemorySegment program = (MemorySegment) createProgramWithSource.invokeExact(context, 1, strings, MemorySegment.NULL, err);
            check("clCreateProgramWithSource", err.get(JAVA_INT, 0));
            MemorySegment ids = arena.allocate(ADDRESS);
            ids.set(ADDRESS, 0, device);
            int status = (int) buildProgram.invokeExact(program, 1, ids, arena.allocateFrom(options), MemorySegment.NULL,
                    MemorySegment.NULL);
            if (status != 0) {
                String log = buildLog(program, device);
                release(releaseProgram, "clReleaseProgram", program);
                throw new OpenClException("clBuildProgram", status, "build log:\n" + log);
            }
            return program;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private String buildLog(MemorySegment program, MemorySegment device) throws Throwable {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment size = arena.allocate(JAVA_LONG);
            int s = (int) getProgramBuildInfo.invokeExact(program, device, CL_PROGRAM_BUILD_LOG, 0L, MemorySegment.NULL, size);
            if (s != 0) return "(no build log: clGetProgramBuildInfo returned " + OpenClErrors.name(s) + ")";
            MemorySegment log = arena.allocate(size.get(JAVA_LONG, 0) + 1);
            s = (int) getProgramBuildInfo.invokeExact(program, device, CL_PROGRAM_BUILD_LOG, log.byteSize() - 1, log, MemorySegment.NULL);
            if (s != 0) return "(no build log: clGetProgramBuildInfo returned " + OpenClErrors.name(s) + ")";
            return log.getString(0).strip();
        }
    }

    /** The kernel called {@code name} in a built program. */
    public MemorySegment createKernel(MemorySegment program, String name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment err = arena.allocate(JAVA_INT);
            MemorySegment kernel = (MemorySegment) createKernel.invokeExact(program, arena.allocateFrom(name), err);
            int status = err.get(JAVA_INT, 0);
            if (status != 0) throw new OpenClException("clCreateKernel", status, "kernel '" + name + "'");
            return kernel;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** The largest work-group this kernel can run with on this device. */
    public long kernelWorkGroupSize(MemorySegment kernel, MemorySegment device) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = arena.allocate(JAVA_LONG);
            check("clGetKernelWorkGroupInfo", (int) getKernelWorkGroupInfo.invokeExact(kernel, device, CL_KERNEL_WORK_GROUP_SIZE,
                    8L, value, MemorySegment.NULL));
            return value.get(JAVA_LONG, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Sets argument {@code index} from {@code size} bytes at {@code value} (NULL with a size: local memory). */
    public void setArg(MemorySegment kernel, int index, long size, MemorySegment value) {
        try {
            int status = (int) setKernelArg.invokeExact(kernel, index, size, value);
            if (status != 0) throw new OpenClException("clSetKernelArg", status, "argument " + index);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Queues the kernel over {@code global} work-items in groups of {@code local} (null: the driver chooses). */
    public void enqueue(MemorySegment queue, MemorySegment kernel, long[] global, long[] local) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment g = arena.allocateFrom(JAVA_LONG, global);
            MemorySegment l = local == null ? MemorySegment.NULL : arena.allocateFrom(JAVA_LONG, local);
            check("clEnqueueNDRangeKernel", (int) enqueueNDRangeKernel.invokeExact(queue, kernel, global.length, MemorySegment.NULL,
                    g, l, 0, MemorySegment.NULL, MemorySegment.NULL));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Waits for everything queued on {@code queue}. */
    public void finish(MemorySegment queue) {
        try {
            check("clFinish", (int) finish.invokeExact(queue));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ---- release ----

    public void releaseBuffer(MemorySegment mem) {
        release(releaseMemObject, "clReleaseMemObject", mem);
    }

    public void releaseKernel(MemorySegment kernel) {
        release(releaseKernel, "clReleaseKernel", kernel);
    }

    public void releaseProgram(MemorySegment program) {
        release(releaseProgram, "clReleaseProgram", program);
    }

    public void releaseQueue(MemorySegment queue) {
        release(releaseCommandQueue, "clReleaseCommandQueue", queue);
    }

    public void releaseContext(MemorySegment context) {
        release(releaseContext, "clReleaseContext", context);
    }

    private static void release(MethodHandle h, String call, MemorySegment handle) {
        try {
            check(call, (int) h.invokeExact(handle));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ---- internals ----

    private static List<MemorySegment> handles(MemorySegment array, int n) {
        List<MemorySegment> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) out.add(array.getAtIndex(ADDRESS, i));
        return List.copyOf(out);
    }

    private static void check(String call, int status) {
        if (status != 0) throw new OpenClException(call, status, null);
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException(t);
    }
}
