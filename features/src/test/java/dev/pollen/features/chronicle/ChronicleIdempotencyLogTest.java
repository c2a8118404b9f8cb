package dev.pollen.features.chronicle;

import dev.pollen.features.IdempotencyLog;
import dev.pollen.features.IdempotencyLogContractTest;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.io.TempDir;

class ChronicleIdempotencyLogTest extends IdempotencyLogContractTest {
    private static final AtomicInteger FILES = new AtomicInteger();

    @TempDir
    Path dir;

    @Override
    protected IdempotencyLog create(int answerBytes, long windowMillis, long capacity) {
        return ChronicleIdempotencyLog.open(dir.resolve("log-" + FILES.incrementAndGet() + ".decisions"), answerBytes,
                windowMillis, capacity);
    }
}
