package dev.selfee.engine.ops;

import dev.selfee.engine.autograd.Var;
import java.util.Arrays;

/**
 * A linear layer with a low-rank adapter (LoRA, Hu et al. 2021): y = x·Wᵀ + b + s·(x·Aᵀ)·Bᵀ with
 * A [r, in], B [out, r] and s = alpha / r, as PEFT's {@code lora.Linear} with {@code lora_dropout=0}.
 * The scaling is applied to the [.., r] intermediate, the cheapest place. When W (and b) do not
 * require a gradient, backward computes only dx, dA and dB: no [out, in] gradient exists.
 */
public final class LoraLinear {
    private LoraLinear() {}

    /** x [..., in], weight [out, in], bias [out] or null, a [r, in], b [out, r] -> [..., out]. */
    public static Var apply(Var x, Var weight, Var bias, Var a, Var b, float scaling) {
        int[] ws = weight.shape(), as = a.shape(), bs = b.shape();
        if (as.length != 2 || bs.length != 2 || as[1] != ws[1] || bs[0] != ws[0] || bs[1] != as[0]) {
            throw new IllegalArgumentException("lora linear: adapter A " + Arrays.toString(as) + " and B " + Arrays.toString(bs)
                    + " do not fit weight [out, in] " + Arrays.toString(ws) + " (expected A [r, in], B [out, r])");
        }
        Var base = Linear.apply(x, weight, bias);
        Var down = Arithmetic.scale(Linear.apply(x, a), scaling);
        return Arithmetic.add(base, Linear.apply(down, b));
    }
}
