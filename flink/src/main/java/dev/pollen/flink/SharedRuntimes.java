package dev.pollen.flink;

import dev.pollen.runtime.PollenRuntime;
import java.util.HashMap;
import java.util.Map;

/**
 * One {@link PollenRuntime} per {@link RuntimeConfig} per JVM, shared by every Pollen operator and predict function
 * of every job whose classes come from the same class loader: in a TaskManager with Pollen in Flink's {@code lib/},
 * that is every subtask of every job in it. The runtime keeps one native copy of each model version however many
 * subtasks score it, and one mapping of each table.
 *
 * <p>Reference counted: an operator acquires in {@code open()} and closes its lease in {@code close()}; the last
 * lease closes the runtime. When Pollen is packed into a job's jar instead, the job's class loader carries its own
 * registry, and {@link #releaseAll()}, which the fraud operator then registers as that class loader's release hook,
 * closes what a failed job left open before the class loader goes (Flink's SQL functions have no such hook: their
 * {@code close()} releases). Thread-safe.
 */
public final class SharedRuntimes {
    private static final System.Logger LOG = System.getLogger(SharedRuntimes.class.getName());
    private static final Map<RuntimeConfig, Entry> RUNTIMES = new HashMap<>();
    private static long opened;

    private static final class Entry {
        final PollenRuntime runtime;
        int leases;

        Entry(PollenRuntime runtime) {
            this.runtime = runtime;
        }
    }

    /** A subtask's share of a runtime; closing it more than once is harmless. */
    public static final class Lease implements AutoCloseable {
        private final RuntimeConfig config;
        private final PollenRuntime runtime;
        private boolean closed;

        private Lease(RuntimeConfig config, PollenRuntime runtime) {
            this.config = config;
            this.runtime = runtime;
        }

        /** @return the shared runtime; valid until this lease closes */
        public PollenRuntime runtime() {
            return runtime;
        }

        @Override
        public void close() {
            synchronized (SharedRuntimes.class) {
                if (closed) {
                    return;
                }
                closed = true;
                Entry e = RUNTIMES.get(config);
                if (e != null && e.runtime == runtime && --e.leases == 0) {
                    RUNTIMES.remove(config);
                    runtime.close();
                }
            }
        }
    }

    private SharedRuntimes() {
    }

    /**
     * @param config the catalog and trust settings
     * @return a lease on the JVM's runtime for {@code config}, opened now if none is open
     * @throws dev.pollen.PollenException what opening the catalog or building the runtime threw
     */
    public static synchronized Lease acquire(RuntimeConfig config) {
        Entry e = RUNTIMES.get(config);
        if (e == null) {
            e = new Entry(config.open());
            opened++;
            RUNTIMES.put(config, e);
        }
        e.leases++;
        return new Lease(config, e.runtime);
    }

    /**
     * @param config a config
     * @return the runtime open now for it (to read its health, loaded models and sessions), if any
     */
    public static synchronized java.util.Optional<PollenRuntime> find(RuntimeConfig config) {
        Entry e = RUNTIMES.get(config);
        return java.util.Optional.ofNullable(e == null ? null : e.runtime);
    }

    /** @return runtimes open now */
    public static synchronized int open() {
        return RUNTIMES.size();
    }

    /** @return runtimes opened in this JVM (this class loader) since it started */
    public static synchronized long opened() {
        return opened;
    }

    /**
     * @param config a config
     * @return leases open now on its runtime, 0 when none is open
     */
    public static synchronized int leases(RuntimeConfig config) {
        Entry e = RUNTIMES.get(config);
        return e == null ? 0 : e.leases;
    }

    /**
     * Closes every runtime whatever its leases: for the user-code class loader's release hook, when the job that
     * loaded these classes is gone and no operator of it can still call.
     */
    public static synchronized void releaseAll() {
        for (Map.Entry<RuntimeConfig, Entry> e : RUNTIMES.entrySet()) {
            if (e.getValue().leases > 0) {
                LOG.log(System.Logger.Level.WARNING, "closing the Pollen runtime over " + e.getKey().catalog()
                        + " with " + e.getValue().leases + " leases still open, as its class loader is released");
            }
            e.getValue().runtime.close();
        }
        RUNTIMES.clear();
    }
}
