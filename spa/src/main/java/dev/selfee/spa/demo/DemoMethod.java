package dev.selfee.spa.demo;

import dev.selfee.spa.judge.JudgingReference;

/**
 * The rows of the benchmark. Iterative methods start from the seed-DPO model and, in each
 * iteration, sample two responses per pool prompt from the current policy, label them (the gold
 * judge, or the policy itself through the SPA loop), and train one epoch of DPO with the current
 * policy as the reference.
 */
public enum DemoMethod {
    SFT("sft", false),
    SEED_DPO("seed-dpo", false),
    /** The upper reference: every pool pair labelled by the gold judge. */
    GOLD_DPO("gold-dpo", true),
    /** Iterative DPO labelled by an external judge: a small reward model trained only on the seed ({@link SeedRewardModel}). */
    EXTERNAL_DPO("external-dpo", true),
    /** SPA: the implicit reward against the SFT model labels, trained with the refined SPA loss and DND. */
    SPA("spa", true),
    /** SPA without self-refinement (α = 0). */
    SPA_NO_REFINEMENT("spa-no-refinement", true),
    /** SPA without decoupled noise detection (λ = 0). */
    SPA_NO_DND("spa-no-dnd", true),
    /** SPA judging by the raw policy log-likelihood (no reference subtracted). */
    SPA_REFERENCE_NONE("spa-reference-none", true);

    public final String id;
    public final boolean iterative;

    DemoMethod(String id, boolean iterative) {
        this.id = id;
        this.iterative = iterative;
    }

    public boolean selfLabelled() {
        return this == SPA || this == SPA_NO_REFINEMENT || this == SPA_NO_DND || this == SPA_REFERENCE_NONE;
    }

    /** Labels made by something other than the gold judge, whose accuracy the report audits. */
    public boolean audited() {
        return selfLabelled() || this == EXTERNAL_DPO;
    }

    /** What the implicit reward subtracts when the method labels its own pairs. */
    public JudgingReference judgingReference() {
        return this == SPA_REFERENCE_NONE ? JudgingReference.NONE : JudgingReference.SFT;
    }

    public double alpha() {
        return this == SPA_NO_REFINEMENT ? 0 : DemoHyperparameters.SPA_ALPHA;
    }

    public double lambda(int iteration) {
        return this == SPA_NO_DND ? 0 : DemoHyperparameters.spaLambda(iteration);
    }
}
