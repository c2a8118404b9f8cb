package dev.pollen.features.chronicle;

import dev.pollen.features.EventTimePolicy;
import dev.pollen.features.FeatureSchema;
import dev.pollen.features.FeatureSnapshot;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Child-process mains for the multi-process feature store tests. */
public final class StoreChild {
    static final long T = 1_793_577_600_000L;
    static final FeatureSchema SCHEMA = FeatureSchema.builder("child-velocity")
            .window("1m", 6, Duration.ofSeconds(10)).window("1d", 24, Duration.ofHours(1))
            .field("count").field("amount").build();

    private StoreChild() {
    }

    static ChronicleFeatureStore open(Path file) {
        return ChronicleFeatureStore.builder(file, SCHEMA).eventTimes(EventTimePolicy.of(() -> T,
                EventTimePolicy.DEFAULT_MAX_AHEAD, EventTimePolicy.DEFAULT_MAX_BEHIND)).open();
    }

    /**
     * @param args {@code increment FILE KEY N} (waits for FILE.go, then records N times),
     *     {@code churn FILE} (records forever over 50 keys, printing completed counts),
     *     {@code open FILE} (opens and closes), or
     *     {@code network FILE} (records with a recording proxy selector and reports network attempts)
     * @throws Exception on failure
     */
    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[1]);
        double[] one = {1, 1};
        switch (args[0]) {
            case "increment" -> {
                long key = Long.parseLong(args[2]);
                int n = Integer.parseInt(args[3]);
                try (ChronicleFeatureStore store = open(file)) {
                    System.out.println("READY");
                    System.out.flush();
                    Path go = Path.of(args[1] + ".go");
                    while (!java.nio.file.Files.exists(go)) {
                        Thread.onSpinWait();
                    }
                    for (int i = 0; i < n; i++) {
                        store.record(key, T, one);
                    }
                }
                System.out.println("DONE");
            }
            case "churn" -> {
                ChronicleFeatureStore store = open(file);
                for (long i = 1; ; i++) {
                    store.record(i % 50, T, one);
                    if (i % 500 == 0) {
                        System.out.println(i);
                        System.out.flush();
                    }
                }
            }
            case "open" -> {
                try (ChronicleFeatureStore store = open(file)) {
                    store.record(1, T, one);
                }
                System.out.println("DONE");
            }
            case "network" -> {
                List<URI> attempts = new CopyOnWriteArrayList<>();
                ProxySelector.setDefault(new ProxySelector() {
                    @Override
                    public List<Proxy> select(URI uri) {
                        attempts.add(uri);
                        return List.of(Proxy.NO_PROXY);
                    }

                    @Override
                    public void connectFailed(URI uri, SocketAddress sa, java.io.IOException e) {
                    }
                });
                try (ChronicleFeatureStore store = open(file)) {
                    store.record(1, T, one);
                    store.read(1, T, new FeatureSnapshot(SCHEMA));
                }
                Thread.sleep(3000);
                boolean analyticsThread = Thread.getAllStackTraces().keySet().stream()
                        .anyMatch(t -> t.getName().startsWith("chronicle~analytics"));
                boolean analyticsClass;
                try {
                    Class.forName("net.openhft.chronicle.analytics.internal.HttpUtil");
                    analyticsClass = true;
                } catch (ClassNotFoundException e) {
                    analyticsClass = false;
                }
                System.out.println("attempts=" + attempts + " thread=" + analyticsThread + " httpClass="
                        + analyticsClass);
            }
            default -> throw new IllegalArgumentException(args[0]);
        }
    }
}
