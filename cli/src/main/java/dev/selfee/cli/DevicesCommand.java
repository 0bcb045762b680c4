package dev.selfee.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.selfee.engine.backend.Backends;
import dev.selfee.engine.backend.opencl.OpenCl;
import dev.selfee.engine.backend.opencl.OpenClDevice;
import dev.selfee.engine.backend.opencl.OpenClException;
import dev.selfee.engine.backend.opencl.OpenClPlatform;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code selfee devices}: what each backend can run on, with the indices {@code --device} takes. */
@Command(name = "devices", mixinStandardHelpOptions = true,
        description = "List the compute devices: the CPU, and every OpenCL platform and device (like clinfo).")
public final class DevicesCommand implements Runnable {
    @Option(names = "--json", description = "print one JSON object instead of text")
    boolean json;

    @Override
    public void run() {
        String cpu = Backends.get("cpu").deviceDescription();
        List<OpenClPlatform> platforms = null;
        String problem = null;
        String library = OpenCl.libraryName();
        try {
            OpenCl cl = OpenCl.get();
            library = cl.library();
            platforms = OpenClPlatform.discover(cl);
            if (platforms.isEmpty()) problem = "no OpenCL platform (driver) installed; e.g. pocl-opencl-icd gives a CPU device";
        } catch (OpenClException e) {
            problem = e.getMessage();
        }
        if (json) printJson(cpu, library, platforms, problem);
        else printText(cpu, library, platforms, problem);
    }

    private static void printText(String cpu, String library, List<OpenClPlatform> platforms, String problem) {
        System.out.println("cpu backend");
        System.out.println("  device 0: " + cpu);
        System.out.println("opencl backend (" + library + ")");
        if (problem != null) {
            System.out.println("  not available: " + problem);
            return;
        }
        for (int p = 0; p < platforms.size(); p++) {
            OpenClPlatform pl = platforms.get(p);
            System.out.println("  platform " + p + ": " + pl.name() + " | " + pl.vendor() + " | " + pl.version());
            if (pl.devices().isEmpty()) System.out.println("    (no devices)");
            for (OpenClDevice d : pl.devices()) {
                System.out.println("    device " + d.index() + ": " + d.name());
                row("type", d.type());
                row("vendor", d.vendor());
                row("version", d.version());
                row("driver", d.driverVersion());
                row("compute units", Integer.toString(d.computeUnits()));
                row("global memory", bytes(d.globalMemoryBytes()));
                row("max allocation", bytes(d.maxAllocationBytes()));
                row("local memory", bytes(d.localMemoryBytes()));
                row("max work-group", Long.toString(d.maxWorkGroupSize()));
            }
        }
        System.out.println("select one with --backend opencl --device N, or SELFEE_BACKEND=opencl:N");
    }

    private static void row(String name, String value) {
        System.out.printf(Locale.ROOT, "      %-15s %s%n", name, value);
    }

    private static String bytes(long b) {
        if (b >= 1L << 30) return String.format(Locale.ROOT, "%.1f GiB", b / (double) (1L << 30));
        if (b >= 1L << 20) return String.format(Locale.ROOT, "%.1f MiB", b / (double) (1L << 20));
        if (b >= 1L << 10) return String.format(Locale.ROOT, "%.1f KiB", b / 1024.0);
        return b + " B";
    }

    private static void printJson(String cpu, String library, List<OpenClPlatform> platforms, String problem) {
        ObjectNode root = BenchCommand.JSON.createObjectNode();
        root.putObject("cpu").putArray("devices").addObject().put("index", 0).put("name", cpu);
        ObjectNode ocl = root.putObject("opencl");
        ocl.put("library", library);
        ocl.put("available", problem == null);
        if (problem != null) ocl.put("error", problem);
        ArrayNode pls = ocl.putArray("platforms");
        if (platforms != null) {
            for (OpenClPlatform pl : platforms) {
                ObjectNode po = pls.addObject().put("name", pl.name()).put("vendor", pl.vendor()).put("version", pl.version());
                ArrayNode ds = po.putArray("devices");
                for (OpenClDevice d : pl.devices()) {
                    ds.addObject().put("index", d.index()).put("name", d.name()).put("type", d.type()).put("vendor", d.vendor())
                            .put("version", d.version()).put("driver_version", d.driverVersion())
                            .put("compute_units", d.computeUnits()).put("global_memory_bytes", d.globalMemoryBytes())
                            .put("max_allocation_bytes", d.maxAllocationBytes()).put("local_memory_bytes", d.localMemoryBytes())
                            .put("max_work_group_size", d.maxWorkGroupSize());
                }
            }
        }
        System.out.println(root);
    }
}
