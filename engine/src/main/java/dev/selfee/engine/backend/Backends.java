package dev.selfee.engine.backend;

import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Selects a {@link Backend} by name and device index, among the providers found by
 * {@link ServiceLoader}. Each (name, device) is opened once and shared for the process, so
 * device kernels are compiled once.
 *
 * <p>A selection is written {@code NAME} or {@code NAME:DEVICE} (e.g. {@code opencl:1}); the
 * environment variable {@code SELFEE_BACKEND} holds the default one, {@code cpu} when unset.
 */
public final class Backends {
    /** The environment variable naming the default backend. */
    public static final String ENV = "SELFEE_BACKEND";
    /** The backend used when none is chosen. */
    public static final String DEFAULT = "cpu";

    private static final Map<String, Backend> OPEN = new ConcurrentHashMap<>();

    private Backends() {}

    /** The names of every backend on the class path, sorted. */
    public static List<String> names() {
        return List.copyOf(providers().keySet());
    }

    /** Device 0 of the named backend. */
    public static Backend get(String name) {
        return get(name, 0);
    }

    /** Device {@code device} of the named backend, opened on first use. */
    public static Backend get(String name, int device) {
        if (device < 0) throw new IllegalArgumentException("device index must be >= 0, got " + device);
        String key = name.trim().toLowerCase(java.util.Locale.ROOT);
        BackendProvider p = providers().get(key);
        if (p == null) {
            throw new IllegalArgumentException("unknown backend '" + name + "'; available: " + String.join(", ", names()));
        }
        return OPEN.computeIfAbsent(key + ":" + device, k -> p.open(device));
    }

    /**
     * The backend a selection string names: {@code NAME} or {@code NAME:DEVICE}; null means
     * {@code SELFEE_BACKEND}'s (else {@code cpu}). A {@code device} other than null overrides the
     * one in the string.
     */
    public static Backend select(String selection, Integer device) {
        if (selection == null) {
            try {
                return select(defaultSelection(), device);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(ENV + "=" + defaultSelection() + ": " + e.getMessage(), e);
            }
        }
        String s = selection.trim();
        int colon = s.lastIndexOf(':');
        int dev = 0;
        if (colon >= 0) {
            String d = s.substring(colon + 1);
            try {
                dev = Integer.parseInt(d);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("backend selection '" + selection + "': device after ':' must be an integer, got '" + d + "'");
            }
            s = s.substring(0, colon);
        }
        return get(s, device != null ? device : dev);
    }

    /** The selection {@code SELFEE_BACKEND} holds, or {@code cpu} when it is unset or blank. */
    public static String defaultSelection() {
        String env = System.getenv(ENV);
        return env == null || env.isBlank() ? DEFAULT : env;
    }

    /** The backend {@code SELFEE_BACKEND} names, or {@code cpu} when it is unset or blank. */
    public static Backend fromEnvironment() {
        return select(null, null);
    }

    private static Map<String, BackendProvider> providers() {
        Map<String, BackendProvider> byName = new TreeMap<>();
        for (BackendProvider p : ServiceLoader.load(BackendProvider.class, Backends.class.getClassLoader())) {
            byName.putIfAbsent(p.name(), p);
        }
        return byName;
    }
}
