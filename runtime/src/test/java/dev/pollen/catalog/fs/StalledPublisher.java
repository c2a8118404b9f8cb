package dev.pollen.catalog.fs;

import dev.pollen.catalog.ArtifactKind;
import dev.pollen.catalog.PublishRequest;
import dev.pollen.runtime.PollenRuntime;
import dev.pollen.testing.TestModels;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;

/**
 * Child-process main for {@link KilledPublishTest}: starts publishing a real model and stalls halfway through the
 * payload, after printing {@code HALFWAY}, so the parent can SIGKILL it mid-publish.
 */
public final class StalledPublisher {
    private StalledPublisher() {
    }

    /**
     * @param args the catalog directory
     */
    public static void main(String[] args) {
        byte[] model = TestModels.logistic(8, 1);
        InputStream stalling = new InputStream() {
            private final ByteArrayInputStream data = new ByteArrayInputStream(model);
            private int served;

            @Override
            public int read() {
                throw new UnsupportedOperationException("bulk reads only");
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (served >= model.length / 2) {
                    System.out.println("HALFWAY");
                    System.out.flush();
                    try {
                        Thread.sleep(Long.MAX_VALUE);
                    } catch (InterruptedException e) {
                        throw new IOException(e);
                    }
                }
                int n = data.read(b, off, Math.min(len, model.length / 2 - served));
                served += n;
                return n;
            }
        };
        FileSystemCatalog.open(Path.of(args[0]), PollenRuntime.validators())
                .publish(PublishRequest.builder("demo", "killed", ArtifactKind.MODEL).owner("tests").signature(TestModels.logisticSignature(8)).payload(stalling).build());
        System.out.println("PUBLISHED");
    }
}
