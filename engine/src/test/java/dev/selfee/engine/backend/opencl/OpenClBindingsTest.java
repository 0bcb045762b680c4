package dev.selfee.engine.backend.opencl;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.junit.jupiter.api.Test;

class OpenClBindingsTest {
    @Test
    void aMissingLibraryGivesOneActionableMessage() {
        var e = assertThrows(OpenClException.class, () -> OpenCl.load("libselfee-no-such-opencl.so.1"));
        assertTrue(e.getMessage().startsWith("OpenCL is not available: cannot load the library libselfee-no-such-opencl.so.1"), e.getMessage());
        assertTrue(e.getMessage().endsWith("or use --backend cpu"), e.getMessage());
    }

    @Test
    void aLibraryWithoutOpenClIsRejected() {
        // libc loads but has no OpenCL functions
        var e = assertThrows(OpenClException.class, () -> OpenCl.load("libc.so.6"));
        assertTrue(e.getMessage().contains("libc.so.6 has no function clGetPlatformIDs"), e.getMessage());
    }

    @Test
    void errorCodesHaveTheirClHNames() {
        assertEquals("CL_OUT_OF_RESOURCES", OpenClErrors.name(-5));
        assertEquals("CL_INVALID_KERNEL_NAME", OpenClErrors.name(-46));
        assertEquals("CL_PLATFORM_NOT_FOUND_KHR", OpenClErrors.name(-1001));
        assertEquals("CL_UNKNOWN_ERROR", OpenClErrors.name(-12345));
        assertEquals("clCreateBuffer failed: CL_MEM_OBJECT_ALLOCATION_FAILURE (-4); allocating 8 bytes",
                new OpenClException("clCreateBuffer", -4, "allocating 8 bytes").getMessage());
    }

    @Test
    void devicesAreListedWithTheirProperties() {
        OpenClBackend backend = OpenClTestDevice.backend();
        List<OpenClDevice> devices = OpenClPlatform.allDevices(backend.cl());
        assertFalse(devices.isEmpty());
        for (int i = 0; i < devices.size(); i++) {
            OpenClDevice d = devices.get(i);
            assertEquals(i, d.index());
            assertFalse(d.name().isBlank());
            assertTrue(d.version().startsWith("OpenCL "), d.version());
            assertTrue(d.computeUnits() > 0 && d.globalMemoryBytes() > 0 && d.maxWorkGroupSize() > 0, d.toString());
        }
        var e = assertThrows(OpenClException.class, () -> OpenClBackend.open(backend.cl(), devices.size()));
        assertTrue(e.getMessage().contains("OpenCL device " + devices.size() + " does not exist"), e.getMessage());
    }

    @Test
    void compileErrorsCarryTheBuildLog() {
        OpenClBackend backend = OpenClTestDevice.backend();
        OpenCl cl = backend.cl();
        var ctx = cl.createContext(backend.device().id());
        try {
            var e = assertThrows(OpenClException.class, () -> cl.buildProgram(ctx, backend.device().id(),
                    "__kernel void broken(__global float *x) { x[0] = undeclared_name; }", ""));
            assertTrue(e.getMessage().startsWith("clBuildProgram failed: CL_BUILD_PROGRAM_FAILURE (-11); build log:"), e.getMessage());
            assertTrue(e.getMessage().contains("undeclared_name"), e.getMessage());

            var program = cl.buildProgram(ctx, backend.device().id(), "__kernel void ok(__global float *x) { x[0] = 1.0f; }", "");
            var e2 = assertThrows(OpenClException.class, () -> cl.createKernel(program, "missing"));
            assertEquals("clCreateKernel failed: CL_INVALID_KERNEL_NAME (-46); kernel 'missing'", e2.getMessage());
            cl.releaseProgram(program);
        } finally {
            cl.releaseContext(ctx);
        }
    }
}
