package dev.selfee.engine.autograd;

import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Gradient checkpointing: runs a block (e.g. one transformer layer) without recording it, so
 * none of its intermediate activations are kept, and re-runs it under a nested tape when the
 * backward pass reaches it. Memory per block drops to its input; compute grows by one forward.
 * The block must be deterministic (the engine's ops are), so gradients equal the unchecked ones.
 */
public final class Recompute {
    private Recompute() {}

    /**
     * {@code block(x)}, recorded as one op whose inputs are {@code x} and {@code parameters} (the
     * trainable leaves the block reads; their gradients accumulate as usual).
     */
    public static Var apply(UnaryOperator<Var> block, Var x, List<? extends Var> parameters) {
        Var[] inputs = new Var[parameters.size() + 1];
        inputs[0] = x;
        for (int i = 0; i < parameters.size(); i++) inputs[i + 1] = parameters.get(i);
        if (!Tape.willRecord(inputs)) return block.apply(x);
        Var y;
        try (NoGrad _ = NoGrad.enter()) {
            y = block.apply(x);
        }
        return Tape.output(y.value(), g -> {
            Var input = x.requiresGrad() ? Var.variable(x.value()) : Var.constant(x.value());
            try (Tape nested = Tape.start()) {
                Var again = block.apply(input);
                if (again.requiresGrad()) nested.backward(again, g);
            }
            if (x.requiresGrad() && input.grad() != null) {
                float[] dx = x.ensureGrad().data(), di = input.grad().data();
                for (int i = 0, n = x.value().size(); i < n; i++) dx[i] += di[i];
            }
        }, inputs);
    }
}
