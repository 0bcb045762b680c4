package dev.selfee.spa.train;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.selfee.engine.Tensor;
import dev.selfee.engine.autograd.Parameter;
import dev.selfee.engine.io.SafetensorsFile;
import dev.selfee.engine.model.LlamaCheckpoint;
import dev.selfee.engine.model.LlamaModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three AdamW steps of the SFT trainer against TRL's SFTTrainer (tools/make_sft_fixtures.py):
 * completion-only loss normalised by the tokens of the whole accumulated step, linear schedule
 * with warm-up, clipping, weight decay. Per-step loss, grad_norm, learning rate and the final
 * weights agree within 1e-4 relative.
 */
class SftFixtureTest {
    @TempDir Path work;

    @Test
    void threeAdamWStepsMatchTrlsSftTrainer() throws IOException {
        Path dir = TrainFixtures.dpoDir().resolveSibling("sft");
        JsonNode fx = new ObjectMapper().readTree(Files.readString(dir.resolve("fixture.json"))), args = fx.get("args");
        List<TokenizedExample> data = new ArrayList<>();
        for (JsonNode e : fx.get("examples")) data.add(new TokenizedExample(data.size(), TrainFixtures.ints(e.get("prompt_ids")), TrainFixtures.ints(e.get("completion_ids"))));
        TrainingOptions t = TrainingOptions.defaults().withBatchSize(args.get("per_device_train_batch_size").asInt())
                .withGradientAccumulationSteps(args.get("gradient_accumulation_steps").asInt()).withMaxSteps(args.get("max_steps").asInt())
                .withLearningRate(args.get("learning_rate").asDouble())
                .withSchedule(TrainingOptions.Schedule.parse(args.get("lr_scheduler_type").asText()), args.get("warmup_steps").asDouble())
                .withOptimizer(TrainingOptions.OptimizerType.ADAMW, args.get("weight_decay").asDouble()).withMaxGradNorm(args.get("max_grad_norm").asDouble());
        LlamaModel model = LlamaCheckpoint.load(TrainFixtures.dpoDir().resolve("policy"));
        List<Map<String, Object>> rows = new ArrayList<>();
        SftTrainer.train(model, data, t, work, rows::add, null);
        JsonNode steps = fx.get("steps");
        assertEquals(steps.size(), rows.size());
        for (int i = 0; i < rows.size(); i++) {
            int step = i;
            steps.get(i).properties().forEach(e -> DpoFixtureTest.assertClose(e.getValue().asDouble(), ((Number) rows.get(step).get(e.getKey())).doubleValue(),
                    "step " + (step + 1) + " " + e.getKey()));
        }
        double worst = 0;
        try (SafetensorsFile after = SafetensorsFile.open(dir.resolve("after_trainer.safetensors"))) {
            for (Parameter p : model.parameters().values()) {
                Tensor expected = Tensor.zeros(p.value().shape());
                after.loadInto(p.name(), expected);
                float[] e = expected.data(), a = p.value().toArray();
                double scale = 0;
                for (float v : e) scale = Math.max(scale, Math.abs(v));
                for (int i = 0; i < e.length; i++) {
                    if (Math.abs(e[i] - a[i]) > 1e-4 * scale) fail(p.name() + "[" + i + "] is " + a[i] + ", expected " + e[i]);
                    worst = Math.max(worst, Math.abs(e[i] - a[i]) / scale);
                }
            }
        }
        System.out.printf("sft fixture TRL SFTTrainer, 3 AdamW steps: worst relative parameter difference %.2e%n", worst);
    }
}
