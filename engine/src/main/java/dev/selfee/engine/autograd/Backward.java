package dev.selfee.engine.autograd;

import dev.selfee.engine.Tensor;

/** The hand-written backward of one op: given the gradient of its output, accumulate into its inputs' gradients. */
@FunctionalInterface
public interface Backward {
    void run(Tensor gradOutput);
}
