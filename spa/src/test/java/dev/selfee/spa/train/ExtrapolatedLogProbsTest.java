package dev.selfee.spa.train;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import dev.selfee.engine.autograd.NoGrad;
import dev.selfee.engine.model.LlamaCheckpoint;
import dev.selfee.engine.model.LlamaModel;
import dev.selfee.engine.model.SequenceBatch;
import dev.selfee.engine.ops.CrossEntropy;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ExtrapolatedLogProbsTest {
    private final JsonNode fx = TrainFixtures.dpoFixture();
    private final LlamaModel policy = LlamaCheckpoint.load(TrainFixtures.dpoDir().resolve("policy"));
    private final LlamaModel reference = LlamaCheckpoint.load(TrainFixtures.dpoDir().resolve("reference"));
    private final SequenceBatch batch = batch(TrainFixtures.fixturePairs(fx));

    private static SequenceBatch batch(List<TokenizedPair> pairs) {
        List<int[]> prompts = new ArrayList<>(), completions = new ArrayList<>();
        for (TokenizedPair p : pairs) {
            prompts.add(p.prompt());
            completions.add(p.chosen());
        }
        for (TokenizedPair p : pairs) {
            prompts.add(p.prompt());
            completions.add(p.rejected());
        }
        return SequenceBatch.of(prompts, completions);
    }

    private double[] extrapolated(double lambda) {
        try (NoGrad _ = NoGrad.enter()) {
            var hp = policy.hidden(batch.ids(), batch.mask(), batch.batch(), batch.seq()).value();
            var hr = reference.hidden(batch.ids(), batch.mask(), batch.batch(), batch.seq()).value();
            return ExtrapolatedLogProbs.compute(hp, policy.lmHead().value(), hr, reference.lmHead().value(), batch.targets(), lambda);
        }
    }

    @Test
    void lambdaZeroIsThePolicysOwnLogProbs() {
        double[] g = extrapolated(0);
        float[] lp;
        try (NoGrad _ = NoGrad.enter()) {
            lp = policy.sequenceLogProbs(batch).value().toArray();
        }
        for (int i = 0; i < g.length; i++) assertEquals(lp[i], g[i], 1e-4 * Math.abs(lp[i]), "row " + i);
    }

    @Test
    void matchesADirectComputationFromBothModelsLogits() {
        double lambda = 0.5;
        double[] g = extrapolated(lambda);
        float[] a, b;
        try (NoGrad _ = NoGrad.enter()) {
            a = policy.logits(batch.ids(), batch.mask(), batch.batch(), batch.seq()).value().toArray();
            b = reference.logits(batch.ids(), batch.mask(), batch.batch(), batch.seq()).value().toArray();
        }
        int vocab = policy.config().vocabSize();
        double[] direct = new double[batch.batch()];
        for (int r = 0; r < batch.targets().length; r++) {
            int t = batch.targets()[r];
            if (t == CrossEntropy.IGNORE_INDEX) continue;
            double[] h = new double[vocab];
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (int j = 0; j < vocab; j++) {
                h[j] = (1 + lambda) * a[r * vocab + j] - lambda * b[r * vocab + j];
                max = Math.max(max, h[j]);
            }
            for (int j = 0; j < vocab; j++) sum += Math.exp(h[j] - max);
            direct[r / batch.seq()] += h[t] - max - Math.log(sum);
        }
        for (int i = 0; i < g.length; i++) assertEquals(direct[i], g[i], 1e-9 * Math.max(1, Math.abs(direct[i])), "row " + i);
    }

    @Test
    void matchesTheTorchReference() {
        JsonNode c = fx.get("cases").get("spa_dnd");
        double[] g = extrapolated(c.get("spa_lambda").asDouble());
        int n = g.length / 2;
        for (int i = 0; i < n; i++) {
            DpoFixtureTest.assertClose(c.get("extrapolated_chosen").get(i).asDouble(), g[i], "chosen " + i);
            DpoFixtureTest.assertClose(c.get("extrapolated_rejected").get(i).asDouble(), g[n + i], "rejected " + i);
        }
    }

    @Test
    void shapeMismatchNamesTheOp() {
        var h = dev.selfee.engine.Tensor.zeros(1, 2, 32);
        var w = dev.selfee.engine.Tensor.zeros(64, 32);
        var e = assertThrows(IllegalArgumentException.class,
                () -> ExtrapolatedLogProbs.compute(h, w, dev.selfee.engine.Tensor.zeros(1, 3, 32), w, new int[2], 0.5));
        assertTrue(e.getMessage().startsWith("extrapolated_logprobs: policy hidden [1, 2, 32]"), e.getMessage());
    }
}
