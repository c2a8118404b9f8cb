package dev.pollen.server;

import dev.pollen.catalog.fs.FileSystemCatalog;
import dev.pollen.runtime.PollenRuntime;
import dev.pollen.runtime.TableLease;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A service in its own JVM, for the browser tests: a runtime named as a consumer that holds one table until its
 * standard input closes (so it ends with the test that started it).
 */
public final class ConsumerHolder {
    private ConsumerHolder() {
    }

    /**
     * @param args the catalog directory, the consumer's name, its team and the table ref it holds
     * @throws Exception never caught
     */
    public static void main(String[] args) throws Exception {
        FileSystemCatalog catalog = FileSystemCatalog.open(Path.of(args[0]), PollenRuntime.validators());
        try (PollenRuntime runtime = PollenRuntime.builder(catalog).liveInterval(Duration.ofMillis(50))
                .consumer(args[1], args[2]).build();
             TableLease table = runtime.table(args[3])) {
            System.out.println("ready " + table.id());
            System.out.flush();
            while (System.in.read() >= 0) {
                // held until the parent closes our input
            }
        }
    }
}
