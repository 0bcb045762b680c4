package dev.selfee.engine.backend.cpu;

import dev.selfee.engine.backend.Backend;
import dev.selfee.engine.backend.BackendProvider;

/** Registers {@link CpuBackend} under the name {@code cpu}. */
public final class CpuBackendProvider implements BackendProvider {
    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public Backend open(int device) {
        if (device != 0) throw new IllegalArgumentException("the cpu backend has a single device, 0; got device " + device);
        return new CpuBackend();
    }
}
