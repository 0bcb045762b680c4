package dev.selfee.engine.backend;

/** What every backend's {@link Backend#adamw} shares: argument checks and the bias corrections. */
public final class AdamWArgs {
    private AdamWArgs() {}

    public static void check(String backend, long step, float beta1, float beta2) {
        if (step < 1) throw new IllegalArgumentException(backend + " adamw: step counts from 1, got " + step);
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException(backend + " adamw: betas must be in [0, 1), got " + beta1 + ", " + beta2);
        }
    }

    /** {@code 1 - beta^step}, computed in double so that late steps do not lose it to rounding. */
    public static float correction(float beta, long step) {
        return (float) (1 - Math.pow(beta, step));
    }
}
