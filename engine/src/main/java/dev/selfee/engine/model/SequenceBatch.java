package dev.selfee.engine.model;

import dev.selfee.engine.ops.CrossEntropy;
import java.util.List;

/**
 * (prompt, completion) pairs laid out for scoring: each row is prompt ++ completion, right-padded
 * to the longest row. {@code targets[t]} is the next token where that token belongs to the
 * completion and {@link CrossEntropy#IGNORE_INDEX} elsewhere, so summing the target
 * log-probabilities of a row gives log p(completion | prompt).
 *
 * @param ids     [batch * seq] token ids (padding uses id 0; it is masked)
 * @param mask    [batch * seq] 1 for tokens, 0 for padding
 * @param targets [batch * seq] next completion token or IGNORE_INDEX
 */
public record SequenceBatch(int[] ids, float[] mask, int[] targets, int batch, int seq) {

    public static SequenceBatch of(List<int[]> prompts, List<int[]> completions) {
        if (prompts.size() != completions.size()) {
            throw new IllegalArgumentException(prompts.size() + " prompts but " + completions.size() + " completions");
        }
        int batch = prompts.size(), seq = 1;
        for (int b = 0; b < batch; b++) {
            if (prompts.get(b).length == 0) throw new IllegalArgumentException("row " + b + ": the prompt is empty (a completion needs at least one token before it)");
            seq = Math.max(seq, prompts.get(b).length + completions.get(b).length);
        }
        int[] ids = new int[batch * seq], targets = new int[batch * seq];
        float[] mask = new float[batch * seq];
        java.util.Arrays.fill(targets, CrossEntropy.IGNORE_INDEX);
        for (int b = 0; b < batch; b++) {
            int[] p = prompts.get(b), c = completions.get(b);
            int o = b * seq;
            System.arraycopy(p, 0, ids, o, p.length);
            System.arraycopy(c, 0, ids, o + p.length, c.length);
            for (int t = 0; t < p.length + c.length; t++) mask[o + t] = 1f;
            for (int j = 0; j < c.length; j++) targets[o + p.length - 1 + j] = c[j];
        }
        return new SequenceBatch(ids, mask, targets, batch, seq);
    }
}
