package dev.selfee.engine.io;

/**
 * Llama 3's rotary frequency scaling ({@code rope_type: "llama3"}): wavelengths longer than
 * {@code originalMaxPositions / lowFreqFactor} are divided by {@code factor}, shorter than
 * {@code originalMaxPositions / highFreqFactor} kept, and those between interpolated.
 */
public record RopeScaling(double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositions) {
    public RopeScaling {
        if (!(factor > 0) || !(lowFreqFactor > 0) || !(highFreqFactor > lowFreqFactor) || originalMaxPositions <= 0) {
            throw new IllegalArgumentException("llama3 rope scaling needs factor > 0, 0 < low_freq_factor < high_freq_factor and "
                    + "original_max_position_embeddings > 0; got " + factor + ", " + lowFreqFactor + ", " + highFreqFactor
                    + ", " + originalMaxPositions);
        }
    }

    /** The scaled inverse frequency for one rotary pair, as transformers' {@code _compute_llama3_parameters}. */
    public double scale(double invFreq) {
        double lowFreqWavelen = originalMaxPositions / lowFreqFactor;
        double highFreqWavelen = originalMaxPositions / highFreqFactor;
        double wavelen = 2 * Math.PI / invFreq;
        if (wavelen > lowFreqWavelen) return invFreq / factor;
        if (wavelen < highFreqWavelen) return invFreq;
        double smooth = (originalMaxPositions / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
        return (1 - smooth) * invFreq / factor + smooth * invFreq;
    }
}
