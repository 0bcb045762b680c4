package dev.selfee.spa.judge;

/** One question put to a pairwise judge: which of two responses to a prompt is better. */
public record PairwiseComparison(String prompt, String responseA, String responseB) {}
