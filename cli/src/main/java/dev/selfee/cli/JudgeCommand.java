package dev.selfee.cli;

import dev.selfee.engine.io.AtomicFiles;
import dev.selfee.engine.model.LlamaCheckpoint;
import dev.selfee.engine.model.LlamaModel;
import dev.selfee.spa.judge.GenerationsJudging;
import dev.selfee.spa.judge.ImplicitRewardJudge;
import dev.selfee.spa.judge.PairSelection;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code selfee judge}: SPA's direct preference judgment of a generations file. */
@Command(name = "judge", mixinStandardHelpOptions = true,
        description = {"Label generated responses with the implicit reward r = log π_policy(y|x) − log π_ref(y|x) and pick a pair per prompt.",
                "Input: the JSONL of 'selfee generate' ({\"prompt_ids\", \"responses_ids\", ...}); output: one pair per prompt",
                "{\"prompt\", \"chosen\", \"rejected\", *_ids, \"reward_chosen\", \"reward_rejected\", \"probability\"}; prompts whose samples are all identical give none."})
final class JudgeCommand implements Callable<Integer> {
    @Option(names = "--policy", required = true, description = "the model whose preferences label the pairs") Path policy;
    @Option(names = "--ref", required = true, description = "judging reference model directory, or 'none' for the raw policy log-likelihood") String ref;
    @Option(names = "--generations", required = true, description = "JSONL from 'selfee generate'") Path generations;
    @Option(names = "--out", required = true, description = "pairs JSONL, written atomically") Path out;
    @Option(names = "--pair-selection", defaultValue = "min_max", description = "min_max or max_chosen (default ${DEFAULT-VALUE})") String selection;
    @Option(names = "--beta", defaultValue = "0.1", description = "scales the recorded probability σ(β Δr) (default ${DEFAULT-VALUE})") double beta;
    @Option(names = "--batch-size", defaultValue = "8", description = "sequences scored together (default ${DEFAULT-VALUE})") int batchSize;
    @Option(names = "--seed", defaultValue = "0", description = "for max_chosen's random rejected pick (default ${DEFAULT-VALUE})") long seed;
    @Mixin BackendFlags backendFlags;

    @Override
    public Integer call() throws Exception {
        PairSelection sel = PairSelection.parse(selection);
        LlamaModel p = LlamaCheckpoint.load(policy);
        LlamaModel r = ref.equalsIgnoreCase("none") ? null : LlamaCheckpoint.load(Path.of(ref));
        Integer eos = new ModelInputs(policy).eos();
        GenerationsJudging.Result res = GenerationsJudging.judge(new ImplicitRewardJudge(p, r, sel, beta, batchSize, backendFlags.offload()), generations,
                eos == null ? -1 : eos, seed);
        AtomicFiles.writeString(out, res.pairsJsonl());
        System.out.println(BenchCommand.JSON.createObjectNode().put("pairs", res.pairs()).put("prompts", res.prompts())
                .put("identical_dropped", res.identicalDropped()).put("mean_probability", res.meanProbability()));
        return 0;
    }
}
