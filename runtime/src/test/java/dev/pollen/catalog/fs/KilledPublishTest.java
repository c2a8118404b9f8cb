package dev.pollen.catalog.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.catalog.ArtifactKind;
import dev.pollen.catalog.ArtifactRef;
import dev.pollen.catalog.PublishRequest;
import dev.pollen.catalog.VerifyResult;
import dev.pollen.runtime.PollenRuntime;
import dev.pollen.testing.ChildJvm;
import dev.pollen.testing.TestModels;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A publish killed with SIGKILL in a real child process leaves no visible version and a catalog that verifies. */
class KilledPublishTest {
    @TempDir
    Path dir;

    @Test
    void aPublishKilledMidwayLeavesNoVisibleVersionAndTheCatalogStillVerifies() throws Exception {
        Path root = dir.resolve("catalog");
        FileSystemCatalog before = FileSystemCatalog.open(root, PollenRuntime.validators());
        before.publish(PublishRequest.builder("demo", "kept", ArtifactKind.MODEL).owner("tests")
                .signature(TestModels.logisticSignature(8)).payload(TestModels.write(dir, "m.onnx",
                        TestModels.logistic(8, 1))).build());

        Process child = ChildJvm.start(StalledPublisher.class, root.toString());
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream()))) {
            assertEquals("HALFWAY", out.readLine(), "the child must reach the middle of the payload");
            try (Stream<Path> staging = Files.list(root.resolve(".staging"))) {
                assertEquals(1, staging.count(), "the half-written payload is in staging");
            }
            assertTrue(before.list().stream().noneMatch(m -> m.name().equals("killed")),
                    "readers never see a half-written version");
            child.destroyForcibly();
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));
            assertEquals(137, child.exitValue(), "killed by SIGKILL (128 + 9)");
        } finally {
            child.destroyForcibly();
        }

        FileSystemCatalog after = FileSystemCatalog.open(root, PollenRuntime.validators());
        PollenException e = assertThrows(PollenException.class, () -> after.resolve(ArtifactRef.parse("demo/killed")));
        assertEquals(ErrorCategory.NOT_FOUND, e.category());
        List<VerifyResult> verify = after.verify(null);
        assertEquals(1, verify.stream().filter(VerifyResult::isVersion).count(), verify.toString());
        assertTrue(verify.stream().allMatch(VerifyResult::ok), verify.toString());
        try (Stream<Path> staging = Files.list(root.resolve(".staging"))) {
            assertEquals(0, staging.count(), "the dead publisher's staging is swept at open");
        }
        assertEquals(1, after.publish(PublishRequest.builder("demo", "killed", ArtifactKind.MODEL).owner("tests")
                .signature(TestModels.logisticSignature(8)).payload(dir.resolve("m.onnx")).build()).version());
    }
}
