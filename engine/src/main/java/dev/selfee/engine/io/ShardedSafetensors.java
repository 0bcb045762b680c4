package dev.selfee.engine.io;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.selfee.engine.Tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A checkpoint split over several safetensors files, as transformers writes it: an index
 * ({@code model.safetensors.index.json}) whose {@code weight_map} names the shard holding each
 * tensor. Shards are opened (mapped) the first time one of their tensors is asked for.
 */
public final class ShardedSafetensors implements CheckpointReader {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path index;
    private final Map<String, Path> weightMap;
    private final Map<Path, SafetensorsFile> open = new HashMap<>();

    private ShardedSafetensors(Path index, Map<String, Path> weightMap) {
        this.index = index;
        this.weightMap = weightMap;
    }

    public static ShardedSafetensors open(Path index) {
        JsonNode root;
        try {
            root = JSON.readTree(Files.readString(index));
        } catch (NoSuchFileException e) {
            throw new CheckpointException(index, "no such file", e);
        } catch (JacksonException e) {
            throw new CheckpointException(index, "not valid JSON: " + e.getOriginalMessage()
                    + " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")", e);
        } catch (IOException e) {
            throw new CheckpointException(index, "cannot read: " + e.getMessage(), e);
        }
        JsonNode wm = root == null ? null : root.get("weight_map");
        if (wm == null || !wm.isObject()) throw new CheckpointException(index, "missing or non-object field 'weight_map'");
        Path dir = index.toAbsolutePath().getParent();
        Map<String, Path> map = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : wm.properties()) {
            if (!e.getValue().isTextual()) {
                throw new CheckpointException(index, "weight_map." + e.getKey() + " is not a file name");
            }
            Path shard = dir.resolve(e.getValue().asText()).normalize();
            if (!shard.startsWith(dir)) {
                throw new CheckpointException(index, "weight_map." + e.getKey() + " points outside the checkpoint directory: " + e.getValue().asText());
            }
            map.put(e.getKey(), shard);
        }
        return new ShardedSafetensors(index, Collections.unmodifiableMap(map));
    }

    /** Where each tensor is stored. */
    public Map<String, Path> weightMap() {
        return weightMap;
    }

    private synchronized SafetensorsFile shardOf(String name) {
        Path shard = weightMap.get(name);
        if (shard == null) {
            throw new CheckpointException(index, "no tensor '" + name + "' in weight_map (" + weightMap.size() + " tensors)");
        }
        SafetensorsFile f = open.get(shard);
        if (f == null) {
            if (!Files.isRegularFile(shard)) {
                throw new CheckpointException(index, "shard " + shard.getFileName() + " (holding tensor '" + name + "') does not exist");
            }
            f = SafetensorsFile.open(shard);
            open.put(shard, f);
        }
        if (!f.names().contains(name)) {
            throw new CheckpointException(shard, "no tensor '" + name + "', though " + index.getFileName() + " places it in this shard");
        }
        return f;
    }

    @Override
    public Set<String> names() {
        return weightMap.keySet();
    }

    @Override
    public int[] shape(String name) {
        return shardOf(name).shape(name);
    }

    @Override
    public String dtype(String name) {
        return shardOf(name).dtype(name);
    }

    @Override
    public Path fileOf(String name) {
        Path p = weightMap.get(name);
        return p == null ? index : p;
    }

    @Override
    public void loadInto(String name, Tensor target) {
        shardOf(name).loadInto(name, target);
    }

    @Override
    public synchronized void close() {
        for (SafetensorsFile f : open.values()) f.close();
        open.clear();
    }
}
