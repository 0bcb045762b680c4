package dev.selfee.spa.demo;

import dev.selfee.spa.eval.WinRate;
import dev.selfee.spa.gold.GoldJudge;
import dev.selfee.spa.gold.GoldPrompt;
import dev.selfee.spa.gold.ResponseQuality;
import java.util.List;

/**
 * A model judged by the gold judge on held-out prompts: its win rate against the SFT model's
 * responses from the same seeds (ties half; sampled passes pooled, with standard error) and greedy,
 * and what its sampled responses are: the share correct, the share exact (correct and terse), the
 * share verbose and the mean length in characters.
 */
public record EvalRow(double winRate, double winRateSe, int comparisons, double winRateGreedy, double accuracy, double exact,
                     double verbose, double meanLength) {

    public static EvalRow of(GoldJudge judge, List<GoldPrompt> prompts, EvalResponses model, EvalResponses sft) {
        int passes = model.sampled().size(), n = prompts.size();
        double[] scores = new double[passes * n];
        double correct = 0, exact = 0, verbose = 0, length = 0;
        for (int s = 0; s < passes; s++) {
            for (int i = 0; i < n; i++) {
                String r = model.sampled().get(s).get(i);
                scores[s * n + i] = score(judge, prompts.get(i), r, sft.sampled().get(s).get(i));
                ResponseQuality q = ResponseQuality.of(prompts.get(i), r);
                if (q.correct()) correct++;
                if (q.exact()) exact++;
                if (q.verbose()) verbose++;
                length += q.length();
            }
        }
        double[] greedy = new double[n];
        for (int i = 0; i < n; i++) greedy[i] = score(judge, prompts.get(i), model.greedy().get(i), sft.greedy().get(i));
        WinRate w = WinRate.ofScores(scores);
        double total = passes * n;
        return new EvalRow(w.rate(), w.standardError(), w.n(), WinRate.ofScores(greedy).rate(), correct / total, exact / total, verbose / total, length / total);
    }

    /** 1 when the model's response wins, 0.5 for a tie, 0 when the SFT response wins. */
    private static double score(GoldJudge judge, GoldPrompt p, String model, String sft) {
        return 1 - judge.compare(p, model, sft).preference();
    }
}
