package dev.selfee.engine.backend.opencl;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/** One installed OpenCL driver (platform) and its devices. */
public record OpenClPlatform(String name, String vendor, String version, List<OpenClDevice> devices) {

    /** Every platform the ICD loader knows, with devices numbered across platforms; empty when there is none. */
    public static List<OpenClPlatform> discover(OpenCl cl) {
        List<OpenClPlatform> out = new ArrayList<>();
        int index = 0;
        for (MemorySegment p : cl.platforms()) {
            String name = cl.platformInfo(p, OpenCl.CL_PLATFORM_NAME);
            List<OpenClDevice> devices = new ArrayList<>();
            for (MemorySegment d : cl.devices(p)) devices.add(OpenClDevice.describe(cl, index++, name, d));
            out.add(new OpenClPlatform(name, cl.platformInfo(p, OpenCl.CL_PLATFORM_VENDOR),
                    cl.platformInfo(p, OpenCl.CL_PLATFORM_VERSION), List.copyOf(devices)));
        }
        return List.copyOf(out);
    }

    /** Every device of every platform, in {@code --device} order. */
    public static List<OpenClDevice> allDevices(OpenCl cl) {
        return discover(cl).stream().flatMap(p -> p.devices().stream()).toList();
    }
}
