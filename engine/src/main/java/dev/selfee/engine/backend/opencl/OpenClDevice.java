package dev.selfee.engine.backend.opencl;

import java.lang.foreign.MemorySegment;

/**
 * One OpenCL device as {@code selfee devices} lists it. {@code index} counts devices across all
 * platforms in discovery order: it is the number {@code --device} takes.
 */
public record OpenClDevice(int index, String platform, MemorySegment id, String name, String vendor, String version,
                           String driverVersion, String type, int computeUnits, long globalMemoryBytes,
                           long localMemoryBytes, long maxAllocationBytes, long maxWorkGroupSize) {

    /** Queries the properties of {@code id} through {@code cl}. */
    static OpenClDevice describe(OpenCl cl, int index, String platform, MemorySegment id) {
        return new OpenClDevice(index, platform, id,
                cl.deviceString(id, OpenCl.CL_DEVICE_NAME),
                cl.deviceString(id, OpenCl.CL_DEVICE_VENDOR),
                cl.deviceString(id, OpenCl.CL_DEVICE_VERSION),
                cl.deviceString(id, OpenCl.CL_DRIVER_VERSION),
                typeName(cl.deviceNumber(id, OpenCl.CL_DEVICE_TYPE)),
                (int) cl.deviceNumber(id, OpenCl.CL_DEVICE_MAX_COMPUTE_UNITS),
                cl.deviceNumber(id, OpenCl.CL_DEVICE_GLOBAL_MEM_SIZE),
                cl.deviceNumber(id, OpenCl.CL_DEVICE_LOCAL_MEM_SIZE),
                cl.deviceNumber(id, OpenCl.CL_DEVICE_MAX_MEM_ALLOC_SIZE),
                cl.deviceNumber(id, OpenCl.CL_DEVICE_MAX_WORK_GROUP_SIZE));
    }

    private static String typeName(long bits) {
        if ((bits & 4) != 0) return "gpu";
        if ((bits & 2) != 0) return "cpu";
        if ((bits & 8) != 0) return "accelerator";
        if ((bits & 16) != 0) return "custom";
        return "other";
    }

    /** One line for people: name, platform, version. */
    public String summary() {
        return name + " (" + platform + ", " + version + ")";
    }
}
