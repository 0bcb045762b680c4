package dev.selfee.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code selfee} command: one subcommand per job. */
@Command(name = "selfee", mixinStandardHelpOptions = true, version = "selfee 0.1.0",
        description = "Pure-JVM preference alignment of language models with SPA.",
        subcommands = {
                GenerateCommand.class,
                LogprobsCommand.class,
                SftCommand.class,
                DpoCommand.class,
                SpaCommand.class,
                JudgeCommand.class,
                EvalCommand.class,
                TokenizeCommand.class,
                TrainTokenizerCommand.class,
                ConvertCommand.class,
                InitCommand.class,
                GoldJudgeCommand.class,
                DemoCommand.class,
                DevicesCommand.class,
                BenchCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns its exit code; failures print one line, not a stack trace. */
    public static int run(String... args) {
        CommandLine cl = new CommandLine(new Main());
        SpaCommand.withConfigFlags(cl.getSubcommands().get("spa"));
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            if (System.getenv("SELFEE_DEBUG") != null) ex.printStackTrace();
            String msg = ex.getMessage() == null ? ex.toString() : ex.getMessage();
            cmd.getErr().println("selfee " + cmd.getCommandName() + ": " + msg);
            return 1;
        });
        return cl.execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
