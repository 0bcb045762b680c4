package dev.selfee.cli;

import dev.selfee.spa.gold.GoldJudge;
import dev.selfee.spa.gold.GoldJudgeProgram;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code selfee gold-judge}: the benchmark's gold judges as an external judge program (the --judge-cmd protocol). */
@Command(name = "gold-judge", mixinStandardHelpOptions = true,
        description = {"Judge pairs of responses to gold-benchmark prompts with a programmatic gold judge.",
                "Reads JSONL {\"prompt\",\"response_a\",\"response_b\"} on stdin; writes {\"preference\": 0|1|0.5} per line (0: a is better)."})
final class GoldJudgeCommand implements Callable<Integer> {
    @Option(names = "--judge", required = true, description = "style (terse, then shorter) or correctness (correct, then terse, then shorter)")
    String judge;

    @Override
    public Integer call() throws Exception {
        GoldJudge j = GoldJudge.parse(judge);
        GoldJudgeProgram.run(j, new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)), System.out);
        return 0;
    }
}
