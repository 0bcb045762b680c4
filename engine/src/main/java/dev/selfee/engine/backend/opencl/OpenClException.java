package dev.selfee.engine.backend.opencl;

/** An OpenCL call failed, or OpenCL is not usable here; the message names the call and the error. */
public final class OpenClException extends RuntimeException {
    private final int code;

    /** A failed call: "clCreateBuffer failed: CL_MEM_OBJECT_ALLOCATION_FAILURE (-4)" plus detail. */
    public OpenClException(String call, int code, String detail) {
        super(call + " failed: " + OpenClErrors.name(code) + " (" + code + ")" + (detail == null || detail.isEmpty() ? "" : "; " + detail));
        this.code = code;
    }

    /** OpenCL cannot be used at all (no library, no platform, no such device). */
    public OpenClException(String message) {
        super(message);
        this.code = 0;
    }

    /** The OpenCL error code, or 0 when the failure was not a call's. */
    public int code() {
        return code;
    }
}
