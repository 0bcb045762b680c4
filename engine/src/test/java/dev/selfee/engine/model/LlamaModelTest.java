package dev.selfee.engine.model;

import static org.junit.jupiter.api.Assertions.*;

import dev.selfee.engine.Tensor;
import dev.selfee.engine.autograd.NoGrad;
import dev.selfee.engine.autograd.Parameter;
import dev.selfee.engine.autograd.Tape;
import dev.selfee.engine.autograd.Var;
import dev.selfee.engine.io.LlamaConfig;
import dev.selfee.engine.ops.SequenceLogProbs;
import java.util.List;
import org.junit.jupiter.api.Test;

class LlamaModelTest {
    static LlamaModel fixture(String name) {
        return LlamaCheckpoint.load(ModelFixtures.dir(name));
    }

    @Test
    void randomInitialisationIsSeededAndShapedLikeTransformers() {
        LlamaConfig c = fixture("qwen2").config();
        LlamaModel a = LlamaModel.random(c, 7), b = LlamaModel.random(c, 7), other = LlamaModel.random(c, 8);
        assertEquals(LlamaModel.expectedShapes(c).keySet(), a.parameters().keySet());
        assertFalse(a.parameters().containsKey("lm_head.weight"), "tied embeddings: no separate head");
        assertSame(a.parameter("model.embed_tokens.weight"), a.lmHead());
        for (Parameter p : a.parameters().values()) assertArrayEquals(p.value().toArray(), b.parameter(p.name()).value().toArray(), p.name());
        float[] w = a.parameter("model.layers.0.mlp.up_proj.weight").value().toArray();
        assertFalse(java.util.Arrays.equals(w, other.parameter("model.layers.0.mlp.up_proj.weight").value().toArray()));
        double sq = 0;
        for (float x : w) sq += x * x;
        assertEquals(0.02, Math.sqrt(sq / w.length), 0.002, "weights ~ N(0, 0.02)");
        for (float x : a.parameter("model.norm.weight").value().toArray()) assertEquals(1f, x);
        for (float x : a.parameter("model.layers.1.self_attn.k_proj.bias").value().toArray()) assertEquals(0f, x);
    }

    @Test
    void gradientCheckpointingGivesIdenticalGradients() {
        for (String name : ModelFixtures.NAMES) {
            LlamaModel plain = fixture(name), checkpointed = fixture(name).gradientCheckpointing(true);
            SequenceBatch batch = SequenceBatch.of(List.of(new int[] {1, 5, 9}, new int[] {4}), List.of(new int[] {7, 8}, new int[] {3, 2, 6, 11, 12}));
            float[] lp1, lp2;
            try (Tape t = Tape.start()) {
                Var l = plain.sequenceLogProbs(batch);
                lp1 = l.value().toArray();
                t.backward(l, Tensor.of(new float[] {1f, -0.5f}, 2));
            }
            try (Tape t = Tape.start()) {
                Var l = checkpointed.sequenceLogProbs(batch);
                lp2 = l.value().toArray();
                assertTrue(t.size() <= 4 + plain.config().numHiddenLayers(), "one recorded op per checkpointed layer, not every op: " + t.size());
                t.backward(l, Tensor.of(new float[] {1f, -0.5f}, 2));
            }
            assertArrayEquals(lp1, lp2);
            for (Parameter p : plain.parameters().values()) {
                assertArrayEquals(p.grad().toArray(), checkpointed.parameter(p.name()).grad().toArray(), name + ": gradient of " + p.name());
            }
        }
    }

    @Test
    void skippingPaddingChangesNoRealPositionNorAnyGradient() {
        for (String name : ModelFixtures.NAMES) {
            for (boolean checkpointing : new boolean[] {false, true}) {
                LlamaModel padded = fixture(name), packed = fixture(name).gradientCheckpointing(checkpointing);
                SequenceBatch b = SequenceBatch.of(List.of(new int[] {1, 5, 9}, new int[] {4}, new int[] {2, 3}),
                        List.of(new int[] {7, 8}, new int[] {3, 2, 6, 11, 12}, new int[] {5}));
                int dim = padded.config().hiddenSize();
                float[] want, got;
                try (Tape t = Tape.start()) {
                    Var h = padded.hidden(b.ids(), b.mask(), b.batch(), b.seq());
                    want = h.value().toArray();
                    Var l = dev.selfee.engine.ops.LmHeadLogProbs.apply(h, padded.lmHead(), b.targets(), null);
                    t.backward(l, Tensor.of(new float[] {1f, -0.5f, 2f}, 3));
                }
                try (Tape t = Tape.start()) {
                    Var h = packed.hiddenForTargets(b.ids(), b.mask(), b.batch(), b.seq());
                    got = h.value().toArray();
                    Var l = dev.selfee.engine.ops.LmHeadLogProbs.apply(h, packed.lmHead(), b.targets(), null);
                    t.backward(l, Tensor.of(new float[] {1f, -0.5f, 2f}, 3));
                }
                String what = name + (checkpointing ? " checkpointed" : "");
                for (int r = 0; r < b.mask().length; r++) {
                    for (int j = 0; j < dim; j++) {
                        float w = b.mask()[r] != 0f ? want[r * dim + j] : 0f;
                        assertEquals(w, got[r * dim + j], 1e-5f * Math.max(1f, Math.abs(w)), what + ": row " + r + (b.mask()[r] != 0f ? "" : " (padding: zero)"));
                    }
                }
                for (Parameter p : padded.parameters().values()) {
                    float[] g1 = p.grad().toArray(), g2 = packed.parameter(p.name()).grad().toArray();
                    double scale = 0;
                    for (float x : g1) scale = Math.max(scale, Math.abs(x));
                    for (int i = 0; i < g1.length; i++) assertEquals(g1[i], g2[i], 1e-5 * Math.max(1e-3, scale), what + ": gradient of " + p.name());
                }
            }
        }
    }

    @Test
    void paddedBatchScoresEqualFullForwardOnUnpaddedSequences() {
        for (String name : ModelFixtures.NAMES) {
            LlamaModel m = fixture(name);
            List<int[]> prompts = List.of(new int[] {1, 2, 3, 4, 5, 6}, new int[] {9}, new int[] {1, 30, 31});
            List<int[]> completions = List.of(new int[] {7}, new int[] {10, 11, 12, 13, 14, 15, 16, 17}, new int[] {32, 33, 34});
            float[] batched = Scorer.score(m, prompts, completions, 3);
            for (int i = 0; i < prompts.size(); i++) {
                int[] p = prompts.get(i), c = completions.get(i);
                int n = p.length + c.length;
                int[] ids = new int[n], targets = new int[n];
                System.arraycopy(p, 0, ids, 0, p.length);
                System.arraycopy(c, 0, ids, p.length, c.length);
                java.util.Arrays.fill(targets, -100);
                for (int j = 0; j < c.length; j++) targets[p.length - 1 + j] = c[j];
                float full;
                try (NoGrad _ = NoGrad.enter()) {
                    full = SequenceLogProbs.apply(m.logits(ids, null, 1, n), targets, null).item();
                }
                assertEquals(full, batched[i], 1e-5 * Math.max(1, Math.abs(full)), name + ": pair " + i);
            }
        }
    }

    @Test
    void meanTokenLossIsCrossEntropyOverCompletionTokens() {
        LlamaModel m = fixture("llama");
        SequenceBatch b = SequenceBatch.of(List.of(new int[] {1, 5, 9}, new int[] {4}), List.of(new int[] {7, 8}, new int[] {3, 2, 6}));
        float fused, plain;
        try (NoGrad _ = NoGrad.enter()) {
            fused = m.meanTokenLoss(b).item();
            plain = dev.selfee.engine.ops.CrossEntropy.apply(m.logits(b.ids(), b.mask(), b.batch(), b.seq()), b.targets()).item();
        }
        assertEquals(plain, fused, 1e-5);
    }

    @Test
    void shardedCheckpointLoadsTheSameModel(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) throws java.io.IOException {
        LlamaModel m = fixture("llama");
        LlamaCheckpoint.save(m, tmp, LlamaCheckpoint.generationConfig(ModelFixtures.dir("llama")), 40_000);
        assertTrue(java.nio.file.Files.exists(tmp.resolve("model.safetensors.index.json")));
        assertFalse(java.nio.file.Files.exists(tmp.resolve("model.safetensors")));
        LlamaModel again = LlamaCheckpoint.load(tmp);
        for (Parameter p : m.parameters().values()) assertArrayEquals(p.value().toArray(), again.parameter(p.name()).value().toArray(), p.name());
    }

    @Test
    void loadsAShardedCheckpointWrittenByTransformers() throws Exception {
        java.nio.file.Path dir = java.nio.file.Path.of(LlamaModelTest.class.getResource("/checkpoints/llama/config.json").toURI()).getParent();
        LlamaModel m = LlamaCheckpoint.load(dir);
        assertEquals(22688, m.parameterCount(), "every tensor of the index (model.safetensors.index.json total_parameters)");
        try (var r = dev.selfee.engine.io.CheckpointReader.open(dir)) {
            for (Parameter p : m.parameters().values()) assertArrayEquals(r.load(p.name()).toArray(), p.value().toArray(), p.name());
        }
    }

    @Test
    void batchedGenerationEqualsOnePromptAtATime() {
        for (String name : ModelFixtures.NAMES) {
            LlamaModel m = fixture(name);
            List<int[]> prompts = List.of(new int[] {1, 2, 3, 4, 5, 6, 7}, new int[] {9}, new int[] {1, 30, 31});
            SamplingOptions greedy = SamplingOptions.greedy(6);
            var batched = Generator.generate(m, prompts, greedy);
            for (int i = 0; i < prompts.size(); i++) {
                assertArrayEquals(Generator.generate(m, List.of(prompts.get(i)), greedy).getFirst().tokens(), batched.get(i).tokens(), name + " prompt " + i);
                assertEquals(6, batched.get(i).tokens().length);
                assertFalse(batched.get(i).stopped());
            }
        }
    }

    @Test
    void generationAndOneTokenLogitsDoNotDependOnTheThreadCount() {
        // wide enough that every matrix-vector product is split between threads
        LlamaModel m = LlamaModel.random(LlamaConfig.llama(1024, 256, 2, 4, 2, 512, null, 0, null), 3);
        List<int[]> prompts = List.of(new int[] {1, 2, 3, 4, 5}, new int[] {7});
        SamplingOptions hot = new SamplingOptions(1.5, 0, 1, 24, 11, new int[0]);
        int before = dev.selfee.engine.Parallel.threads();
        try {
            dev.selfee.engine.Parallel.setThreads(1);
            var one = Generator.generate(m, prompts, hot);
            float[] oneLogits;
            try (NoGrad _ = NoGrad.enter()) {
                oneLogits = m.logits(new int[] {42}, null, 1, 1).value().toArray();
            }
            for (int n : new int[] {2, 3}) {
                dev.selfee.engine.Parallel.setThreads(n);
                var many = Generator.generate(m, prompts, hot);
                for (int i = 0; i < prompts.size(); i++) assertArrayEquals(one.get(i).tokens(), many.get(i).tokens(), n + " threads, prompt " + i);
                try (NoGrad _ = NoGrad.enter()) {
                    assertArrayEquals(oneLogits, m.logits(new int[] {42}, null, 1, 1).value().toArray(), n + " threads, logits");
                }
            }
        } finally {
            dev.selfee.engine.Parallel.setThreads(before);
        }
    }

    @Test
    void samplingIsDeterministicInItsSeedAndHonoursTopKAndTopP() {
        LlamaModel m = fixture("llama");
        List<int[]> prompts = List.of(new int[] {1, 2, 3}, new int[] {1, 2, 3}, new int[] {4, 5});
        SamplingOptions hot = new SamplingOptions(1.5, 0, 1, 12, 42, new int[0]);
        var a = Generator.generate(m, prompts, hot);
        var b = Generator.generate(m, prompts, hot);
        var c = Generator.generate(m, prompts, new SamplingOptions(1.5, 0, 1, 12, 43, new int[0]));
        for (int i = 0; i < prompts.size(); i++) assertArrayEquals(a.get(i).tokens(), b.get(i).tokens());
        var third = Generator.generate(m, List.of(prompts.get(2)), hot, 2);
        assertArrayEquals(a.get(2).tokens(), third.getFirst().tokens(), "a row's sample does not depend on its batch");
        assertFalse(java.util.Arrays.equals(a.get(0).tokens(), a.get(1).tokens()), "two samples of one prompt differ");
        assertFalse(java.util.Arrays.equals(a.get(0).tokens(), c.get(0).tokens()), "another seed, another sample");
        var greedy = Generator.generate(m, prompts, SamplingOptions.greedy(12));
        var topK1 = Generator.generate(m, prompts, new SamplingOptions(1.5, 1, 1, 12, 5, new int[0]));
        var tinyP = Generator.generate(m, prompts, new SamplingOptions(1.0, 0, 1e-6, 12, 5, new int[0]));
        for (int i = 0; i < prompts.size(); i++) {
            assertArrayEquals(greedy.get(i).tokens(), topK1.get(i).tokens(), "top-k 1 is greedy");
            assertArrayEquals(greedy.get(i).tokens(), tinyP.get(i).tokens(), "a tiny nucleus is greedy");
        }
    }

    @Test
    void rowsThatStopLeaveTheBatchWithoutChangingTheOthers() {
        LlamaModel m = fixture("mistral");
        List<int[]> prompts = new java.util.ArrayList<>();
        for (int i = 0; i < 12; i++) prompts.add(new int[] {1, 3 + i, 7 + 2 * i});
        SamplingOptions opts = new SamplingOptions(1.0, 0, 1, 16, 7, new int[] {5, 9, 28, 40});
        var batched = Generator.generate(m, prompts, opts);
        int stopped = 0;
        for (int i = 0; i < prompts.size(); i++) {
            var alone = Generator.generate(m, List.of(prompts.get(i)), opts, i).getFirst();
            assertArrayEquals(alone.tokens(), batched.get(i).tokens(), "row " + i);
            assertEquals(alone.stopped(), batched.get(i).stopped());
            if (batched.get(i).stopped()) stopped++;
        }
        assertTrue(stopped > 0 && stopped < prompts.size(), "some rows stop early and others run on: " + stopped);
    }

    @Test
    void samplerKeepsOnlyTheTopKAndTheNucleus() {
        float[] logits = {0f, 3f, 2.9f, -5f, 1f};
        java.util.SplittableRandom rng = new java.util.SplittableRandom(3);
        java.util.Set<Integer> seen = new java.util.TreeSet<>();
        Sampler topK = new Sampler(new SamplingOptions(1, 2, 1, 1, 0, new int[0]));
        for (int i = 0; i < 500; i++) seen.add(topK.next(logits, 0, 5, rng));
        assertEquals(java.util.Set.of(1, 2), seen);
        // probabilities ∝ e^3, e^2.9, e^1, e^0, e^-5 ≈ .47 .43 .06 .02 0: a 0.9 nucleus holds the first two
        seen.clear();
        Sampler topP = new Sampler(new SamplingOptions(1, 0, 0.9, 1, 0, new int[0]));
        for (int i = 0; i < 500; i++) seen.add(topP.next(logits, 0, 5, rng));
        assertEquals(java.util.Set.of(1, 2), seen);
        seen.clear();
        Sampler all = new Sampler(new SamplingOptions(1, 0, 1, 1, 0, new int[0]));
        for (int i = 0; i < 3000; i++) seen.add(all.next(logits, 0, 5, rng));
        assertEquals(java.util.Set.of(0, 1, 2, 4), seen, "token 3 (p ≈ 2e-4) is unlikely in 3000 draws; the rest appear");
    }

    @Test
    void sampledFrequenciesFollowTheRenormalisedDistribution() {
        float[] logits = {0f, (float) Math.log(2), (float) Math.log(3), (float) Math.log(4)}; // p = .1 .2 .3 .4
        java.util.SplittableRandom rng = new java.util.SplittableRandom(9);
        int draws = 20000;
        // no cut; top-k 2 (.3, .4 -> 3/7, 4/7); top-p 0.5 (.4 then .3 reaches it -> 3/7, 4/7); temperature 0.5 squares the ratios
        double[][] expected = {{.1, .2, .3, .4}, {0, 0, 3 / 7.0, 4 / 7.0}, {0, 0, 3 / 7.0, 4 / 7.0}, {1 / 30.0, 4 / 30.0, 9 / 30.0, 16 / 30.0}};
        SamplingOptions[] options = {new SamplingOptions(1, 0, 1, 1, 0, new int[0]), new SamplingOptions(1, 2, 1, 1, 0, new int[0]),
                new SamplingOptions(1, 0, 0.5, 1, 0, new int[0]), new SamplingOptions(0.5, 0, 1, 1, 0, new int[0])};
        for (int c = 0; c < options.length; c++) {
            Sampler s = new Sampler(options[c]);
            int[] counts = new int[4];
            for (int i = 0; i < draws; i++) counts[s.next(logits, 0, 4, rng)]++;
            for (int v = 0; v < 4; v++) {
                double p = expected[c][v], sd = Math.sqrt(p * (1 - p) / draws);
                assertEquals(p, counts[v] / (double) draws, 4 * sd + 1e-9, "case " + c + ", token " + v);
            }
        }
    }

    @Test
    void generationRejectsBadPrompts() {
        LlamaModel m = fixture("qwen2");
        var e = assertThrows(IllegalArgumentException.class, () -> Generator.generate(m, List.of(new int[] {1, 96}), SamplingOptions.greedy(2)));
        assertEquals("prompt 0: token id 96 is outside the vocabulary [0, 96)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Generator.generate(m, List.of(new int[0]), SamplingOptions.greedy(2)));
        assertEquals("prompt 0 is empty; generation needs at least one token", e.getMessage());
    }
}
