package dev.selfee.engine.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class AtomicFilesTest {
    @TempDir
    Path dir;

    @Test
    void replacesContentAndCreatesParentDirectories() throws IOException {
        Path p = dir.resolve("a/b/state.json");
        AtomicFiles.writeString(p, "{\"step\":1}\n");
        AtomicFiles.writeString(p, "{\"step\":2}\n");
        assertEquals("{\"step\":2}\n", Files.readString(p));
        try (var files = Files.list(p.getParent())) {
            assertEquals(1, files.count());
        }
    }

    @Test
    void permissionsAreThoseOfAnOrdinaryNewFile() throws IOException {
        assumeTrue(dir.getFileSystem().supportedFileAttributeViews().contains("posix"), "POSIX permissions only");
        Path ordinary = Files.createFile(dir.resolve("ordinary"));
        Path atomic = dir.resolve("atomic");
        AtomicFiles.writeString(atomic, "x");
        assertEquals(Files.getPosixFilePermissions(ordinary), Files.getPosixFilePermissions(atomic));
    }

    @Test
    void anExceptionInTheContentKeepsTheOldFile() throws IOException {
        Path p = dir.resolve("log.jsonl");
        AtomicFiles.writeString(p, "old\n");
        RuntimeException e = assertThrows(RuntimeException.class, () -> AtomicFiles.write(p, ch -> {
            throw new IllegalStateException("NaN in loss");
        }));
        assertEquals("NaN in loss", e.getMessage());
        assertEquals("old\n", Files.readString(p));
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count());
        }
    }
}
