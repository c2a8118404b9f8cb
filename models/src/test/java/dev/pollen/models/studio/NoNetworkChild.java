package dev.pollen.models.studio;

import dev.pollen.catalog.fs.FileSystemCatalog;
import dev.pollen.runtime.PollenRuntime;
import dev.pollen.text.TextEncoder;
import java.io.IOException;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.net.URL;
import java.net.URLConnection;
import java.net.URLStreamHandler;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Child-process main for {@link ContentEncoderTest#nothingTouchesTheNetwork()}: opens the content encoder on a fresh
 * JVM (no JUnit, no langchain4j), encodes, and prints what tried to connect. Connections are recorded twice: by a
 * proxy selector (what asks for a proxy), and by a URL handler for http and https that refuses to connect (DJL's
 * telemetry opens its connections with {@code Proxy.NO_PROXY}, which skips the proxy selector).
 */
public final class NoNetworkChild {
    private NoNetworkChild() {
    }

    /**
     * @param args the catalog directory
     */
    public static void main(String[] args) {
        List<Object> attempts = new CopyOnWriteArrayList<>();
        URL.setURLStreamHandlerFactory(protocol -> !protocol.equals("http") && !protocol.equals("https") ? null
                : new URLStreamHandler() {
                    @Override
                    protected URLConnection openConnection(URL u) throws IOException {
                        attempts.add(u);
                        throw new IOException("no network in this test: " + u);
                    }

                    @Override
                    protected URLConnection openConnection(URL u, Proxy p) throws IOException {
                        return openConnection(u);
                    }
                });
        ProxySelector.setDefault(new ProxySelector() {
            @Override
            public List<Proxy> select(URI uri) {
                attempts.add(uri);
                return List.of(Proxy.NO_PROXY);
            }

            @Override
            public void connectFailed(URI uri, SocketAddress sa, IOException ioe) {
                attempts.add(uri);
            }
        });
        try (PollenRuntime runtime = PollenRuntime.builder(FileSystemCatalog.open(Path.of(args[0]))).build();
             TextEncoder encoder = TextEncoder.open(runtime, "studio/content-encoder@prod")) {
            encoder.encode("A retired safecracker is pulled back for one last job.");
            encoder.encodeBatch(List.of("Heist", "Romance in Paris"), new float[2 * encoder.dimension()]);
        }
        System.out.println("attempts=" + attempts + " offline=" + System.getProperty("ai.djl.offline")
                + " tracking-opt-out=" + System.getProperty("OPT_OUT_TRACKING"));
    }
}
