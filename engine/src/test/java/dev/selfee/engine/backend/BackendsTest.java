package dev.selfee.engine.backend;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class BackendsTest {
    @Test
    void serviceLoaderFindsCpuAndOpenCl() {
        assertTrue(Backends.names().contains("cpu"), Backends.names().toString());
        assertTrue(Backends.names().contains("opencl"), Backends.names().toString());
    }

    @Test
    void backendsAreOpenedOncePerDevice() {
        Backend cpu = Backends.get("cpu");
        assertEquals("cpu", cpu.name());
        assertSame(cpu, Backends.get("CPU", 0));
        assertSame(cpu, Backends.select("cpu:0", null));
    }

    @Test
    void unknownNamesListTheAvailableOnes() {
        var e = assertThrows(IllegalArgumentException.class, () -> Backends.get("tpu"));
        assertTrue(e.getMessage().contains("unknown backend 'tpu'") && e.getMessage().contains("cpu, opencl"), e.getMessage());
    }

    @Test
    void badSelectionsSayWhatIsWrong() {
        var e = assertThrows(IllegalArgumentException.class, () -> Backends.select("cpu:x", null));
        assertTrue(e.getMessage().contains("must be an integer, got 'x'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Backends.select("cpu", 2));
        assertTrue(e.getMessage().contains("single device"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Backends.get("cpu", -1));
        assertTrue(e.getMessage().contains(">= 0"), e.getMessage());
    }

    @Test
    void environmentDefaultsToCpu() {
        String env = System.getenv(Backends.ENV);
        if (env == null || env.isBlank()) assertEquals("cpu", Backends.fromEnvironment().name());
        else assertEquals(Backends.select(env, null), Backends.fromEnvironment());
    }
}
