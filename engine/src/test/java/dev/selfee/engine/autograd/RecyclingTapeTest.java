package dev.selfee.engine.autograd;

import static org.junit.jupiter.api.Assertions.*;

import dev.selfee.engine.Tensor;
import dev.selfee.engine.TensorPool;
import dev.selfee.engine.io.LlamaConfig;
import dev.selfee.engine.model.LlamaModel;
import dev.selfee.engine.model.SequenceBatch;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** A tape that recycles activations through a pool computes exactly what a plain tape does, step after step. */
class RecyclingTapeTest {
    static final LlamaConfig CONFIG = LlamaConfig.llama(512, 128, 2, 4, 2, 256, 1, 2, 0);
    static final int[] COMPLETION_LENGTHS = {30, 22, 41, 41, 26, 35};

    static SequenceBatch batch(int step, int completion) {
        SplittableRandom r = new SplittableRandom(step);
        List<int[]> prompts = new ArrayList<>(), completions = new ArrayList<>();
        for (int b = 0; b < 2; b++) {
            prompts.add(r.ints(5 + b, 3, CONFIG.vocabSize()).toArray());
            completions.add(r.ints(completion - 3 * b, 3, CONFIG.vocabSize()).toArray());
        }
        return SequenceBatch.of(prompts, completions);
    }

    /**
     * Runs the steps (forward, backward, a plain SGD update so each step sees new weights; with a
     * pool the parameters' gradients are released between steps); returns the log-probs and the last gradients.
     */
    static List<float[]> train(LlamaModel m, TensorPool pool, long[] poolBytes) {
        return train(m, pool, poolBytes, false);
    }

    /** With {@code poison}, each step first hands the pool NaN-filled arrays of every size, which the step's requests then take. */
    static List<float[]> train(LlamaModel m, TensorPool pool, long[] poolBytes, boolean poison) {
        List<float[]> out = new ArrayList<>();
        try (Tape tape = pool == null ? Tape.start() : Tape.start(pool)) {
            for (int s = 0; s < COMPLETION_LENGTHS.length; s++) {
                SequenceBatch b = batch(s, COMPLETION_LENGTHS[s]);
                if (poison) {
                    for (int size = 4096; size <= 1 << 18; size *= 2) {
                        for (int i = 0; i < 12; i++) {
                            float[] a = new float[size];
                            java.util.Arrays.fill(a, Float.NaN);
                            pool.give(a);
                        }
                    }
                }
                try (var _ = pool == null ? null : pool.use()) {
                    Var logps = m.sequenceLogProbs(b);
                    out.add(logps.value().toArray());
                    tape.backward(logps, Tensor.full(1f, 2));
                }
                if (pool != null) poolBytes[s] = pool.bytesFree();
                for (Parameter p : m.parameters().values()) {
                    float[] w = p.value().data(), g = p.grad().data(); // a pooled gradient's array may be longer: index by the value's
                    for (int i = 0; i < w.length; i++) w[i] -= 0.01f * g[i];
                }
                if (s == COMPLETION_LENGTHS.length - 1) break;
                if (pool == null) m.zeroGrad();
                else for (Parameter p : m.parameters().values()) p.releaseGrad(pool); // the next backward borrows activations' memory
            }
        }
        for (Parameter p : m.parameters().values()) out.add(p.grad().toArray());
        return out;
    }

    @Test
    void recyclingChangesNoValueAndKeepsThePoolToOneStepsWorth() {
        List<float[]> plain = train(LlamaModel.random(CONFIG, 7), null, null);
        TensorPool pool = new TensorPool();
        long[] bytes = new long[COMPLETION_LENGTHS.length];
        List<float[]> recycled = train(LlamaModel.random(CONFIG, 7), pool, bytes);
        assertEquals(plain.size(), recycled.size());
        for (int i = 0; i < plain.size(); i++) assertArrayEquals(plain.get(i), recycled.get(i), "output " + i);

        assertTrue(bytes[0] > 0, "activations and gradients went back to the pool");
        // the longest batch (steps 2 and 3) needs the most; after it, the pool holds its arrays, not also the earlier ones
        for (int s = 3; s < bytes.length; s++) {
            assertTrue(bytes[s] <= bytes[2] * 1.05, "step " + s + ": " + bytes[s] + " bytes pooled, the longest step left " + bytes[2]);
        }
        assertNull(TensorPool.current());
    }

    @Test
    void opsWriteInFullWhatTheyTakeUncleared() {
        // Tensor.empty outputs come from the pool as they were left: any element an op failed to
        // write (or read before writing) would carry a NaN into the results
        List<float[]> plain = train(LlamaModel.random(CONFIG, 5), null, null);
        List<float[]> poisoned = train(LlamaModel.random(CONFIG, 5), new TensorPool(), new long[COMPLETION_LENGTHS.length], true);
        for (int i = 0; i < plain.size(); i++) assertArrayEquals(plain.get(i), poisoned.get(i), "output " + i);
    }

    @Test
    void intermediateGradientsAreHandedBackAsTheBackwardPassGoes() {
        TensorPool pool = new TensorPool();
        LlamaModel m = LlamaModel.random(CONFIG, 3);
        SequenceBatch b = batch(0, 40);
        try (Tape tape = Tape.start(pool); var _ = pool.use()) {
            Var hidden = m.hidden(b.ids(), b.mask(), b.batch(), b.seq());
            Var logps = dev.selfee.engine.ops.LmHeadLogProbs.apply(hidden, m.lmHead(), b.targets(), null);
            tape.backward(logps, Tensor.full(1f, 2));
            assertNull(hidden.grad(), "an op result keeps no gradient after the pass");
            assertEquals(0, tape.size());
        }
        // what came back: every activation and gradient, minus those the pass reused while it ran
        long hiddenBytes = 4L * b.batch() * b.seq() * CONFIG.hiddenSize();
        assertTrue(pool.bytesFree() > 10 * hiddenBytes, pool.bytesFree() + " bytes");
    }
}
