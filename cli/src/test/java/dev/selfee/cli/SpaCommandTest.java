package dev.selfee.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's flow through the command line: tokenizer, SFT from scratch, then the SPA loop with flags, and resume. */
class SpaCommandTest {
    @TempDir Path tmp;

    @Test
    void sftThenSpaFromFlagsThenResume() throws Exception {
        Path corpus = tmp.resolve("corpus.jsonl"), prompts = tmp.resolve("prompts.jsonl"), seed = tmp.resolve("seed.jsonl");
        StringBuilder c = new StringBuilder(), p = new StringBuilder(), s = new StringBuilder();
        for (int i = 0; i < 12; i++) {
            c.append("{\"prompt\": \"add ").append(i).append(" 1\", \"completion\": \" ").append(i + 1).append("\"}\n");
            p.append("{\"prompt\": \"add ").append(i).append(" 2\"}\n");
            s.append("{\"prompt\": \"add ").append(i).append(" 1\", \"chosen\": \" ").append(i + 1).append("\", \"rejected\": \" the answer is ")
                    .append(i + 1).append("\"}\n");
        }
        Files.writeString(corpus, c);
        Files.writeString(prompts, p);
        Files.writeString(seed, s);
        Path tok = tmp.resolve("tok"), sft = tmp.resolve("sft"), config = tmp.resolve("config.json"), run = tmp.resolve("run");
        assertEquals(0, ModelCommandsTest.run("train-tokenizer", "--data", corpus.toString(), "--vocab-size", "280", "--out", tok.toString()).code());
        Files.writeString(config, TrainCommandsTest.config(280));
        assertEquals(0, ModelCommandsTest.run("sft", "--init-config", config.toString(), "--tokenizer", tok.toString(), "--data", corpus.toString(),
                "--out", sft.toString(), "--batch-size", "4", "--num-train-epochs", "1", "--lr", "1e-3").code());

        var r = ModelCommandsTest.run("spa", "--out", run.toString(), "--sft-model", sft.toString(), "--seed-data", seed.toString(),
                "--prompt-pool", prompts.toString(), "--iteration-sizes", "6,6", "--spa-lambdas", "0.5,0.25", "--max-new-tokens", "4",
                "--temperature", "1.0", "--seed-epochs", "1", "--batch-size", "4", "--gradient-accumulation-steps", "1", "--lr", "1e-4");
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.isRegularFile(run.resolve("summary.json")));
        assertTrue(Files.isRegularFile(run.resolve("it2-train/model/model.safetensors")));
        assertTrue(Files.readString(run.resolve("config.json")).contains("\"iteration_sizes\" : [ 6, 6 ]"));

        // judge the first iteration's generations again by hand: the same pairs as the loop's judge stage
        Path pairs = tmp.resolve("pairs.jsonl");
        var j = ModelCommandsTest.run("judge", "--policy", run.resolve("it0-seed-dpo/model").toString(), "--ref", sft.toString(),
                "--generations", run.resolve("it1-generate/generations.jsonl").toString(), "--out", pairs.toString(), "--beta", "0.1");
        assertEquals(0, j.code(), j.err());
        assertEquals(Files.readString(run.resolve("it1-judge/pairs.jsonl")), Files.readString(pairs));

        // eval with a judge that always prefers response a: the model wins exactly where it was shown as a
        Path verdicts = tmp.resolve("eval.jsonl");
        var e = ModelCommandsTest.run("eval", "--model", run.resolve("it2-train/model").toString(), "--baseline", sft.toString(),
                "--prompts", prompts.toString(), "--judge-cmd", "while read -r l; do echo '{\"preference\": 0}'; done",
                "--max-new-tokens", "4", "--out", verdicts.toString());
        assertEquals(0, e.code(), e.err());
        long shownFirst = Files.readAllLines(verdicts).stream().filter(l -> l.contains("\"model_is_a\":true")).count();
        long won = Files.readAllLines(verdicts).stream().filter(l -> l.contains("\"score\":1.0")).count();
        assertEquals(shownFirst, won);
        assertEquals(12, Files.readAllLines(verdicts).size());

        if (TrainCommandsTest.openClAvailable("judge and eval --backend opencl")) {
            // judged on the device: the same pairs, rewards equal to float rounding
            Path devicePairs = tmp.resolve("pairs-opencl.jsonl");
            var jd = ModelCommandsTest.run("judge", "--policy", run.resolve("it0-seed-dpo/model").toString(), "--ref", sft.toString(),
                    "--generations", run.resolve("it1-generate/generations.jsonl").toString(), "--out", devicePairs.toString(), "--beta", "0.1",
                    "--backend", "opencl");
            assertEquals(0, jd.code(), jd.err());
            var want = ModelCommandsTest.lines(pairs);
            var got = ModelCommandsTest.lines(devicePairs);
            assertEquals(want.size(), got.size());
            for (int i = 0; i < want.size(); i++) {
                assertEquals(want.get(i).get("chosen_ids"), got.get(i).get("chosen_ids"), "pair " + i);
                assertEquals(want.get(i).get("rejected_ids"), got.get(i).get("rejected_ids"), "pair " + i);
                for (String k : new String[] {"reward_chosen", "reward_rejected"}) {
                    double w = want.get(i).get(k).asDouble();
                    assertEquals(w, got.get(i).get(k).asDouble(), 1e-3 * Math.max(1, Math.abs(w)), k + " of pair " + i);
                }
            }
            // greedy responses generated on the device: the same comparisons as on the CPU
            Path evalCpu = tmp.resolve("eval-cpu.jsonl"), evalDevice = tmp.resolve("eval-opencl.jsonl");
            for (var o : java.util.List.of(java.util.List.of(evalCpu, "cpu"), java.util.List.of(evalDevice, "opencl"))) {
                var ev = ModelCommandsTest.run("eval", "--model", run.resolve("it2-train/model").toString(), "--baseline", sft.toString(),
                        "--prompts", prompts.toString(), "--judge-cmd", "while read -r l; do echo '{\"preference\": 0}'; done",
                        "--max-new-tokens", "4", "--temperature", "0", "--out", o.get(0).toString(), "--backend", o.get(1).toString());
                assertEquals(0, ev.code(), ev.err());
            }
            assertEquals(Files.readString(evalCpu), Files.readString(evalDevice));
        }

        var again = ModelCommandsTest.run("spa", "--resume", run.toString());
        assertEquals(0, again.code(), again.err());

        var bad = ModelCommandsTest.run("spa", "--out", tmp.resolve("x").toString(), "--sft-model", sft.toString(), "--seed-data", seed.toString(),
                "--prompt-pool", prompts.toString(), "--iteration-sizes", "6", "--samples-per-prompt", "two");
        assertEquals(1, bad.code());
        assertEquals("selfee spa: --samples-per-prompt: 'two' is not a number", bad.err().strip());

        var noOut = ModelCommandsTest.run("spa", "--sft-model", sft.toString());
        assertEquals(1, noOut.code());
        assertTrue(noOut.err().contains("--out is required"), noOut.err());
    }
}
