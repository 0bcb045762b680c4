package dev.selfee.engine.backend.opencl;

import dev.selfee.engine.backend.Backend;
import dev.selfee.engine.backend.BackendProvider;

/** Registers {@link OpenClBackend} under the name {@code opencl}; devices are numbered as {@code selfee devices} lists them. */
public final class OpenClBackendProvider implements BackendProvider {
    @Override
    public String name() {
        return "opencl";
    }

    @Override
    public Backend open(int device) {
        return OpenClBackend.open(OpenCl.get(), device);
    }
}
