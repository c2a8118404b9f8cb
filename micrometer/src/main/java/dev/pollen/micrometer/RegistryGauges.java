package dev.pollen.micrometer;

import dev.pollen.metrics.MetricsRegistration;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.function.ToDoubleFunction;

/**
 * The gauges and function counters Pollen registered in one registry, with the open objects each one reads; shared
 * by every {@link MicrometerMetrics} recording into that registry. Runtimes (tables, feature stores) bound one after
 * another or at once read into the same meters, and a meter leaves the registry when the last object it reads is
 * unbound, so a later binding registers it afresh instead of getting a meter that reads an object that is gone.
 */
final class RegistryGauges {
    /*
     * Micrometer keeps the first registration of a name and tags, and a gauge or function counter holds the object it
     * reads only weakly. So every meter here reads a Reading that this class holds strongly, and the Reading reads its
     * sources, the objects bound to it. It holds them weakly too (their registrations hold them strongly), so a caller
     * that drops a registration without closing it keeps nothing alive: its source is read until it is collected,
     * then left out of a sum, or read as NaN by a meter that has no other source, until another bind or unbind of
     * that meter drops it (this is how Micrometer itself treats a collected gauge object). Sources
     * are kept in an array replaced on every bind and unbind, so a scrape takes no lock and allocates nothing.
     * Binds and unbinds, with the registrations and removals they make, are serialised on the RegistryGauges.
     *
     * The registry is a weak key, compared by identity (MeterRegistry does not override equals); nothing held for it
     * refers back to it (Readings hold sources weakly and Meter.Ids, not meters).
     */
    private static final Map<MeterRegistry, RegistryGauges> REGISTRIES = new WeakHashMap<>();
    private static final WeakReference<?>[] NO_SOURCES = new WeakReference<?>[0];

    /** How a meter with several sources at once reads them. */
    enum Combine {
        /** The sum of all sources: each is a share of the whole (models loaded by each runtime). */
        SUM,
        /** The source bound last: all read the same facts (the rows of one table version). */
        LATEST
    }

    /** The kind of meter registered. */
    enum Kind {
        GAUGE,
        /**
         * A function counter. With {@link Combine#SUM}, a source unbound while others remain leaves its last count
         * behind, so the counter never goes back while it is registered.
         */
        FUNCTION_COUNTER
    }

    /**
     * One meter an object is bound to.
     *
     * @param <T> the type of the objects it reads
     * @param name the meter's name
     * @param tags its tags
     * @param kind gauge or function counter
     * @param combine how several sources are read
     * @param description the meter's description
     * @param baseUnit its base unit, or {@code null}
     * @param read what it reads of a source
     */
    record Spec<T>(String name, Tags tags, Kind kind, Combine combine, String description, String baseUnit,
            ToDoubleFunction<? super T> read) {
    }

    private record Key(String name, Tags tags) {
    }

    private final Map<Key, Reading> readings = new HashMap<>();

    private RegistryGauges() {
    }

    /**
     * @param registry a registry
     * @return the Pollen gauges of that registry
     */
    static RegistryGauges of(MeterRegistry registry) {
        synchronized (REGISTRIES) {
            return REGISTRIES.computeIfAbsent(registry, r -> new RegistryGauges());
        }
    }

    /**
     * Binds an object to meters, registering those not registered yet.
     *
     * @param registry the registry this instance belongs to
     * @param specs the meters
     * @param source what they read
     * @param <T> its type
     * @return the registration that unbinds it; it holds the source strongly until closed
     */
    <T> MetricsRegistration bind(MeterRegistry registry, List<Spec<T>> specs, T source) {
        List<Reading> joined = new ArrayList<>(specs.size());
        synchronized (this) {
            try {
                for (Spec<T> spec : specs) {
                    Key key = new Key(spec.name(), spec.tags());
                    Reading r = readings.computeIfAbsent(key, k -> new Reading(k, spec));
                    r.add(source);
                    joined.add(r);
                    if (r.meterId == null) {
                        r.register(registry);
                    }
                }
            } catch (RuntimeException | Error e) {
                leave(registry, joined, source);
                throw e;
            }
        }
        return new Registration(registry, joined, source);
    }

    /** Unbinds a source from readings; removes those it was the last live source of. */
    private synchronized void leave(MeterRegistry registry, List<Reading> from, Object source) {
        for (Reading r : from) {
            if (r.remove(source)) {
                readings.remove(r.key, r);
                if (r.meterId != null) {
                    registry.remove(r.meterId);
                }
            }
        }
    }

    /** What one meter reads: its sources, and the counts of those gone. */
    private static final class Reading {
        final Key key;
        final Kind kind;
        final Combine combine;
        final String description;
        final String baseUnit;
        final ToDoubleFunction<Object> read;
        volatile WeakReference<?>[] sources = NO_SOURCES;
        /** Counts left behind by sources unbound while others remained (summed function counters only). */
        volatile double retired;
        /** The id the registry gave the meter, to remove it by; guarded by the RegistryGauges. */
        Meter.Id meterId;

        @SuppressWarnings("unchecked")
        Reading(Key key, Spec<?> spec) {
            this.key = key;
            this.kind = spec.kind();
            this.combine = spec.combine();
            this.description = spec.description();
            this.baseUnit = spec.baseUnit();
            // Every spec of a key comes from the same bind method of MicrometerMetrics, so reads the same type.
            this.read = (ToDoubleFunction<Object>) spec.read();
        }

        /**
         * Registers the meter, once per Reading: Micrometer warns of a second registration of a gauge, and would
         * return the first anyway.
         */
        void register(MeterRegistry registry) {
            Meter meter = kind == Kind.GAUGE
                    ? Gauge.builder(key.name(), this, Reading::value).tags(key.tags()).description(description)
                            .baseUnit(baseUnit).register(registry)
                    : FunctionCounter.builder(key.name(), this, Reading::value).tags(key.tags())
                            .description(description).baseUnit(baseUnit).register(registry);
            meterId = meter.getId();
        }

        /** @return the value now; a scrape calls it, without locking or allocating */
        double value() {
            WeakReference<?>[] s = sources;
            if (combine == Combine.LATEST) {
                for (int i = s.length - 1; i >= 0; i--) {
                    Object o = s[i].get();
                    if (o != null) {
                        return read.applyAsDouble(o);
                    }
                }
                return Double.NaN;
            }
            double sum = retired;
            for (WeakReference<?> ref : s) {
                Object o = ref.get();
                if (o != null) {
                    sum += read.applyAsDouble(o);
                }
            }
            return sum;
        }

        /** Adds a source, last, dropping sources already collected. */
        void add(Object source) {
            List<WeakReference<?>> next = new ArrayList<>(sources.length + 1);
            for (WeakReference<?> ref : sources) {
                if (ref.get() != null) {
                    next.add(ref);
                }
            }
            next.add(new WeakReference<>(source));
            sources = next.toArray(NO_SOURCES);
        }

        /** @return whether no live source remains, after removing this one and those already collected */
        boolean remove(Object source) {
            List<WeakReference<?>> next = new ArrayList<>(sources.length);
            boolean found = false;
            for (WeakReference<?> ref : sources) {
                Object o = ref.get();
                if (o == source) {
                    found = true;
                } else if (o != null) {
                    next.add(ref);
                }
            }
            if (found && !next.isEmpty() && kind == Kind.FUNCTION_COUNTER && combine == Combine.SUM) {
                retired += read.applyAsDouble(source);
            }
            sources = next.toArray(NO_SOURCES);
            return next.isEmpty();
        }
    }

    /** Unbinds its source from its readings when closed, once. */
    private final class Registration implements MetricsRegistration {
        private final MeterRegistry registry;
        private final List<Reading> readings;
        private Object source;

        Registration(MeterRegistry registry, List<Reading> readings, Object source) {
            this.registry = registry;
            this.readings = readings;
            this.source = source;
        }

        @Override
        public void close() {
            synchronized (RegistryGauges.this) {
                if (source != null) {
                    leave(registry, readings, source);
                    source = null;
                }
            }
        }
    }
}
