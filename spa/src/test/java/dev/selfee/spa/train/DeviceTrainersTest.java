package dev.selfee.spa.train;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.selfee.engine.backend.cpu.CpuBackend;
import dev.selfee.spa.loss.PreferenceLoss;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The device trainers on the CPU backend equal the CPU trainers: every metric of every step and
 * the trained weights within 1e-4 (the same arithmetic in another summation order; AdamW divides
 * by each gradient's magnitude, so a weight whose gradient is near 0 moves by up to lr times the
 * gradients' relative difference: measured 1.3e-5 of the weights' scale), and what a device cannot run is refused with one message naming the
 * feature and {@code --backend cpu}.
 */
class DeviceTrainersTest {
    private final CpuBackend cpu = new CpuBackend();
    @TempDir Path work;

    @Test
    void sigmoidDpo() {
        DeviceTrainerParity.assertDpoMatches(cpu, PreferenceLoss.Type.SIGMOID, 0, work, 1e-4);
    }

    @Test
    void spaWithoutExtrapolation() {
        DeviceTrainerParity.assertDpoMatches(cpu, PreferenceLoss.Type.SPA, 0, work, 1e-4);
    }

    @Test
    void spaWithDndRunsTheReferenceBesideThePolicy() {
        DeviceTrainerParity.assertDpoMatches(cpu, PreferenceLoss.Type.SPA, 0.5, work, 1e-4);
    }

    @Test
    void referenceLogProbs() {
        DeviceTrainerParity.assertReferenceMatches(cpu, work, 1e-5);
    }

    @Test
    void divergenceStopsWithTheLastGoodModelSaved() {
        DeviceTrainerParity.assertDivergenceStops(cpu, work);
    }

    @Test
    void sft() {
        DeviceTrainerParity.assertSftMatches(cpu, work, 1e-4);
    }

    @Test
    void aKilledRunResumesBitIdentically() {
        DeviceTrainerParity.assertResumes(cpu, work, false, 0);
    }

    @Test
    void aCpuTrainersCheckpointResumesOnTheDevice() {
        DeviceTrainerParity.assertResumes(cpu, work, true, 1e-4);
    }

    @Test
    void loraDpoTrainsTheAdaptersAgainstTheirOwnBase() {
        DeviceTrainerParity.assertLoraDpoMatches(cpu, work, 1e-4);
    }

    @Test
    void unsupportedFeaturesAreRefusedClearly() {
        var model = TrainFixtures.tinyModel(DeviceTrainerParity.VOCAB, 1);
        String m = assertThrows(UnsupportedOperationException.class, () -> DeviceSftTrainer.train(model, TrainFixtures.randomExamples(4, DeviceTrainerParity.VOCAB, 1),
                DeviceTrainerParity.training().withOptimizer(TrainingOptions.OptimizerType.SGD, 0), work, null, null, cpu)).getMessage();
        assertTrue(m.contains("--backend cpu") && m.contains("not supported on the cpu backend"), m);
    }
}
