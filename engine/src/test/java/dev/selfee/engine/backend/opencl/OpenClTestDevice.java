package dev.selfee.engine.backend.opencl;

import static org.junit.jupiter.api.Assertions.fail;

import dev.selfee.engine.backend.Backends;

/**
 * The OpenCL backend for tests: device 0, or the test is skipped with the reason printed when
 * this machine has no usable OpenCL. With {@code SELFEE_REQUIRE_OPENCL=1} (CI, where PoCL is
 * installed) a missing device fails the test instead.
 */
final class OpenClTestDevice {
    private static boolean reported;

    private OpenClTestDevice() {}

    static synchronized OpenClBackend backend() {
        try {
            return (OpenClBackend) Backends.get("opencl");
        } catch (OpenClException e) {
            String reason = "no usable OpenCL device: " + e.getMessage();
            if (System.getenv("SELFEE_REQUIRE_OPENCL") != null) fail(reason + " (SELFEE_REQUIRE_OPENCL is set)");
            if (!reported) System.out.println("SKIPPED (OpenCL tests): " + reason);
            reported = true;
            // a skip with its reason printed above; CI sets SELFEE_REQUIRE_OPENCL so it fails there instead
            throw new org.opentest4j.TestAbortedException(reason);
        }
    }
}
