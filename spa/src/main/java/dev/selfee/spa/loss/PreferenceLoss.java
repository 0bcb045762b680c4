package dev.selfee.spa.loss;

/**
 * The pairwise preference losses on summed response log-probs, with their gradients with
 * respect to the policy's log-probs (the trainer back-propagates those through the model).
 *
 * <p>With {@code z = [log π(y_w) − log π(y_l)] − [log π_ref(y_w) − log π_ref(y_l)]}:
 * <ul>
 *   <li>{@code sigmoid} (DPO): {@code −log σ(βz)}</li>
 *   <li>{@code cdpo} (conservative DPO, label smoothing ε): {@code −(1−ε) log σ(βz) − ε log σ(−βz)}</li>
 *   <li>{@code ipo}: {@code (h − 1/(2β))²} with h the per-token-averaged z, as TRL computes it</li>
 *   <li>{@code spa}: cdpo with ε = α·(1 − c) per pair, c the confidence flag from {@link SpaRefinement}</li>
 * </ul>
 */
public final class PreferenceLoss {
    private PreferenceLoss() {}

    public enum Type {
        SIGMOID, CDPO, IPO, SPA;

        /** Parses the names used on the command line ({@code sigmoid|cdpo|ipo|spa}). */
        public static Type parse(String s) {
            for (Type t : values()) if (t.name().equalsIgnoreCase(s)) return t;
            throw new IllegalArgumentException("unknown loss '" + s + "'; expected one of sigmoid, cdpo, ipo, spa");
        }
    }

    /** One pair's summed log-probs under the policy and the reference, and the response lengths in tokens. */
    public record Pair(double policyChosen, double policyRejected, double refChosen, double refRejected,
                       int chosenTokens, int rejectedTokens) {
        /** β-free implicit reward margin z. */
        public double z() {
            return (policyChosen - policyRejected) - (refChosen - refRejected);
        }
    }

    /** A pair's loss and d loss / d policy log-prob of the chosen and the rejected response. */
    public record Value(double loss, double dChosen, double dRejected) {}

    /** Sigmoid DPO with label smoothing ε (ε = 0 is plain DPO). */
    public static Value smoothed(Pair p, double beta, double epsilon) {
        double bz = beta * p.z();
        double loss = -(1 - epsilon) * logSigmoid(bz) - epsilon * logSigmoid(-bz);
        // d/dz: −(1−ε)·β·σ(−βz) + ε·β·σ(βz)
        double dz = beta * (-(1 - epsilon) * sigmoid(-bz) + epsilon * sigmoid(bz));
        return new Value(loss, dz, -dz);
    }

    /** IPO on per-token averaged log-ratios (TRL normalises by the number of completion tokens). */
    public static Value ipo(Pair p, double beta) {
        double lc = Math.max(1, p.chosenTokens()), lr = Math.max(1, p.rejectedTokens());
        double h = (p.policyChosen() - p.refChosen()) / lc - (p.policyRejected() - p.refRejected()) / lr;
        double d = h - 1 / (2 * beta);
        return new Value(d * d, 2 * d / lc, -2 * d / lr);
    }

    /**
     * The SPA loss: {@code −(1 − α + αc) log σ(βz) − (α − αc) log σ(−βz)}; confident pairs (c = 1)
     * get plain DPO, the others cDPO with ε = α.
     */
    public static Value spa(Pair p, double beta, double alpha, boolean confident) {
        return smoothed(p, beta, confident ? 0 : alpha);
    }

    /** log σ(x), stable for large |x|. */
    public static double logSigmoid(double x) {
        return x >= 0 ? -Math.log1p(Math.exp(-x)) : x - Math.log1p(Math.exp(x));
    }

    public static double sigmoid(double x) {
        if (x >= 0) return 1 / (1 + Math.exp(-x));
        double e = Math.exp(x);
        return e / (1 + e);
    }
}
