package dev.selfee.spa.loss;

import static org.junit.jupiter.api.Assertions.*;

import dev.selfee.spa.loss.PreferenceLoss.Pair;
import dev.selfee.spa.loss.PreferenceLoss.Value;
import java.util.function.ToDoubleFunction;
import org.junit.jupiter.api.Test;

class PreferenceLossTest {
    private static final Pair P = new Pair(-12.5, -14.0, -13.0, -13.25, 5, 7);

    @Test
    void sigmoidMatchesClosedForm() {
        // z = (-12.5 + 14) - (-13 + 13.25) = 1.25; loss = -log σ(0.1 * 1.25)
        Value v = PreferenceLoss.smoothed(P, 0.1, 0);
        assertEquals(1.25, P.z(), 1e-12);
        assertEquals(Math.log1p(Math.exp(-0.125)), v.loss(), 1e-12);
        assertEquals(-v.dChosen(), v.dRejected(), 0);
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        for (double beta : new double[] {0.1, 0.5, 3}) {
            check(p -> PreferenceLoss.smoothed(p, beta, 0), beta);
            check(p -> PreferenceLoss.smoothed(p, beta, 0.1), beta);
            check(p -> PreferenceLoss.ipo(p, beta), beta);
            check(p -> PreferenceLoss.spa(p, beta, 0.1, false), beta);
        }
    }

    private static void check(java.util.function.Function<Pair, Value> f, double beta) {
        double h = 1e-6;
        Value v = f.apply(P);
        ToDoubleFunction<Pair> loss = p -> f.apply(p).loss();
        double dc = (loss.applyAsDouble(new Pair(P.policyChosen() + h, P.policyRejected(), P.refChosen(), P.refRejected(), 5, 7))
                - loss.applyAsDouble(new Pair(P.policyChosen() - h, P.policyRejected(), P.refChosen(), P.refRejected(), 5, 7))) / (2 * h);
        double dr = (loss.applyAsDouble(new Pair(P.policyChosen(), P.policyRejected() + h, P.refChosen(), P.refRejected(), 5, 7))
                - loss.applyAsDouble(new Pair(P.policyChosen(), P.policyRejected() - h, P.refChosen(), P.refRejected(), 5, 7))) / (2 * h);
        assertEquals(dc, v.dChosen(), 1e-7, "d/dchosen at beta " + beta);
        assertEquals(dr, v.dRejected(), 1e-7, "d/drejected at beta " + beta);
    }

    @Test
    void spaIsDpoForConfidentPairsAndCdpoOtherwise() {
        assertEquals(PreferenceLoss.smoothed(P, 0.1, 0), PreferenceLoss.spa(P, 0.1, 0.1, true));
        assertEquals(PreferenceLoss.smoothed(P, 0.1, 0.1), PreferenceLoss.spa(P, 0.1, 0.1, false));
        // the SPA formula written out: −(1 − α + αc) log σ(βz) − (α − αc) log σ(−βz), c = 0
        double bz = 0.1 * P.z();
        double expected = -(1 - 0.1) * PreferenceLoss.logSigmoid(bz) - 0.1 * PreferenceLoss.logSigmoid(-bz);
        assertEquals(expected, PreferenceLoss.spa(P, 0.1, 0.1, false).loss(), 1e-12);
    }

    @Test
    void logSigmoidIsStableAtExtremes() {
        assertEquals(-1000, PreferenceLoss.logSigmoid(-1000), 1e-9);
        assertEquals(0, PreferenceLoss.logSigmoid(1000), 1e-12);
        assertEquals(Math.log(0.5), PreferenceLoss.logSigmoid(0), 1e-15);
    }

    @Test
    void unknownLossNamesTheChoices() {
        var e = assertThrows(IllegalArgumentException.class, () -> PreferenceLoss.Type.parse("kto"));
        assertTrue(e.getMessage().contains("sigmoid, cdpo, ipo, spa"));
        assertEquals(PreferenceLoss.Type.SPA, PreferenceLoss.Type.parse("spa"));
    }
}
