/**
 * JMH benchmarks of the engine's CPU kernels, one class per kernel: {@link dev.selfee.bench.GemmBenchmark}
 * (the matrix multiply), {@link dev.selfee.bench.AttentionBenchmark} (causal GQA attention) and
 * {@link dev.selfee.bench.RmsNormBenchmark}.
 *
 * <p>Build and run: {@code mvn package -pl bench -am}, then
 * {@code java -jar bench/target/benchmarks.jar [regex] [-p name=value]}. Every benchmark forks
 * with {@code --add-modules jdk.incubator.vector} and sets the engine's thread count from its
 * {@code threads} parameter, so results compare with {@code selfee bench} and with the torch
 * peer script {@code bench/torch_gemm.py} run with the same count.
 */
package dev.selfee.bench;
