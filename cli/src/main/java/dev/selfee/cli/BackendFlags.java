package dev.selfee.cli;

import dev.selfee.engine.backend.Backend;
import dev.selfee.engine.backend.Backends;
import picocli.CommandLine.Option;

/** {@code --backend} and {@code --device}: where a command's model runs. */
final class BackendFlags {
    @Option(names = "--backend", description = "cpu or opencl, optionally NAME:DEVICE (default: $SELFEE_BACKEND, else cpu)") String backend;
    @Option(names = "--device", description = "device index of the backend, as 'selfee devices' lists them (default 0)") Integer device;

    /** The device for training with {@code flags}, or null for the CPU; notes on stderr what a device ignores. */
    Backend offloadTraining(TrainingFlags flags) {
        Backend be = offload();
        if (be != null && flags.gradientCheckpointing) {
            System.err.println("note: --gradient-checkpointing has no effect on the " + be.name() + " backend (every layer's activations stay on the device)");
        }
        return be;
    }

    /** The chosen backend, or null for the CPU (whose own engine, not the cpu backend's kernels, then runs the model). */
    Backend offload() {
        Backend be = Backends.select(backend, device);
        return be.name().equals(Backends.DEFAULT) ? null : be;
    }
}
