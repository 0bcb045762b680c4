package dev.selfee.spa.judge;

/**
 * A preference pair the model labelled itself: indices of the chosen and rejected responses among
 * the prompt's samples, their implicit rewards, and the β-scaled preference probability
 * {@code σ(β (r_chosen − r_rejected))}.
 */
public record JudgedPair(int promptIndex, int chosen, int rejected, double rewardChosen, double rewardRejected, double probability) {}
