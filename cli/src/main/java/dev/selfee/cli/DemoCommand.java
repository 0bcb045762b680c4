package dev.selfee.cli;

import dev.selfee.spa.demo.DemoConfig;
import dev.selfee.spa.demo.DemoMethod;
import dev.selfee.spa.demo.DemoReport;
import dev.selfee.spa.demo.GoldBenchmark;
import dev.selfee.spa.gold.GoldJudge;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code selfee demo}: the gold-oracle benchmark end to end, resumable in its output folder. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"The gold-oracle benchmark: trains a tokenizer and a tiny model from scratch, then compares SFT, DPO on a gold-labelled",
                "seed, DPO on gold labels for the whole pool and SPA (with ablations) by their gold win rate against SFT.",
                "Writes DIR/report.json; rerunning with the same --out continues an interrupted run."})
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--out", defaultValue = "selfee-demo", description = "run folder (default: ${DEFAULT-VALUE})")
    Path out;

    @Option(names = "--seed", defaultValue = "1", description = "seed of the data, models and sampling (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--quick", description = "a smaller pool, model and evaluation (about two minutes)")
    boolean quick;

    @Option(names = "--judge", defaultValue = "both", description = "style, correctness or both (default: ${DEFAULT-VALUE})")
    String judge;

    @Option(names = "--size", hidden = true, description = "full, quick or test (the smallest, for tests)")
    String size;

    @Override
    public Integer call() {
        DemoConfig config = DemoConfig.named(size != null ? size : quick ? "quick" : "full");
        List<GoldJudge> judges = judge.equalsIgnoreCase("both") ? List.of(GoldJudge.STYLE, GoldJudge.CORRECTNESS) : List.of(GoldJudge.parse(judge));
        DemoReport report = new GoldBenchmark(config, seed, out).run(judges, Arrays.asList(DemoMethod.values()));
        report.write(out);
        System.out.print(report.table());
        System.out.println("report: " + out.resolve("report.json") + " and " + out.resolve("report.html"));
        return 0;
    }
}
