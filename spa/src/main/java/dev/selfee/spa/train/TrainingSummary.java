package dev.selfee.spa.train;

import java.util.Map;

/**
 * What a training run did.
 *
 * @param steps       optimiser steps taken
 * @param epochs      passes over the data (fractional at the end)
 * @param trainLoss   the mean of the steps' losses (HF's {@code train_loss})
 * @param lastMetrics the last step's metrics
 * @param seconds     wall time of the training loop
 */
public record TrainingSummary(int steps, double epochs, double trainLoss, Map<String, Object> lastMetrics, double seconds) {}
