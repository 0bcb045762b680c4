package dev.selfee.spa.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.selfee.spa.gold.GoldJudge;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How good a model's own labels were, by the gold judge: the share of self-labelled pairs whose
 * chosen response gold prefers (gold ties left out), broken down by what decided the gold verdict,
 * and, from the trainer's per-pair log, the share flagged low-confidence and the gold error rate of
 * flagged and unflagged pairs.
 */
public record SelfLabelAudit(int pairs, int goldTies, double accuracy, Map<String, Double> accuracyByKind, Map<String, Integer> pairsByKind,
                             double flaggedFraction, double errorFlagged, double errorUnflagged) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * @param pairs       the self-labelled pairs in training order (index i is pair i of the trainer)
     * @param refinement  the trainer's {@code pairs_refinement.jsonl}, or null when it wrote none
     */
    public static SelfLabelAudit of(GoldJudge judge, List<GoldPairs.Labelled> pairs, Path refinement) {
        int[] right = new int[GoldJudge.Decider.values().length], seen = new int[right.length];
        boolean[] wrong = new boolean[pairs.size()], tie = new boolean[pairs.size()];
        int ties = 0;
        for (int i = 0; i < pairs.size(); i++) {
            GoldPairs.Labelled p = pairs.get(i);
            GoldJudge.Verdict v = judge.compare(p.prompt(), p.chosen(), p.rejected());
            if (v.tie()) {
                ties++;
                tie[i] = true;
                continue;
            }
            seen[v.decidedBy().ordinal()]++;
            if (v.preference() == 0) right[v.decidedBy().ordinal()]++;
            else wrong[i] = true;
        }
        Map<String, Double> byKind = new LinkedHashMap<>();
        Map<String, Integer> counts = new LinkedHashMap<>();
        int r = 0, s = 0;
        for (GoldJudge.Decider d : GoldJudge.Decider.values()) {
            if (d == GoldJudge.Decider.TIE || seen[d.ordinal()] == 0) continue;
            byKind.put(d.name().toLowerCase(java.util.Locale.ROOT), right[d.ordinal()] / (double) seen[d.ordinal()]);
            counts.put(d.name().toLowerCase(java.util.Locale.ROOT), seen[d.ordinal()]);
            r += right[d.ordinal()];
            s += seen[d.ordinal()];
        }
        double flagged = Double.NaN, errF = Double.NaN, errU = Double.NaN;
        if (refinement != null && Files.isRegularFile(refinement)) {
            int visits = 0, nf = 0, wf = 0, nu = 0, wu = 0, nFlag = 0;
            try {
                for (String line : Files.readAllLines(refinement)) {
                    if (line.isBlank()) continue;
                    JsonNode o = JSON.readTree(line);
                    int idx = o.get("index").asInt();
                    boolean confident = o.get("confident").asBoolean();
                    visits++;
                    if (!confident) nFlag++;
                    if (tie[idx]) continue;
                    if (confident) {
                        nu++;
                        if (wrong[idx]) wu++;
                    } else {
                        nf++;
                        if (wrong[idx]) wf++;
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(refinement + ": " + e.getMessage(), e);
            }
            flagged = visits == 0 ? Double.NaN : nFlag / (double) visits;
            errF = nf == 0 ? Double.NaN : wf / (double) nf;
            errU = nu == 0 ? Double.NaN : wu / (double) nu;
        }
        return new SelfLabelAudit(pairs.size(), ties, s == 0 ? Double.NaN : r / (double) s, byKind, counts, flagged, errF, errU);
    }

}
