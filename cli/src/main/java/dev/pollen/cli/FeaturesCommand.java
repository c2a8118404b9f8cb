package dev.pollen.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.adapters.ads.AdExposure;
import dev.pollen.adapters.payments.CardVelocity;
import dev.pollen.features.FeatureKeys;
import dev.pollen.features.FeatureSchema;
import dev.pollen.features.FeatureSnapshot;
import dev.pollen.features.FeatureStoreStats;
import dev.pollen.features.chronicle.ChronicleFeatureStore;
import dev.pollen.internal.Echo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code pollen features}: look into an online feature store, so operators can see what a model saw. */
@Command(name = "features", description = "Inspect an online feature store.", mixinStandardHelpOptions = true,
        subcommands = {FeaturesCommand.GetCmd.class, FeaturesCommand.StatsCmd.class, FeaturesCommand.RepairCmd.class})
final class FeaturesCommand {
    /** The schemas the CLI knows stores of, by name. */
    static final Map<String, FeatureSchema> SCHEMAS = Map.of(CardVelocity.SCHEMA.name(), CardVelocity.SCHEMA,
            AdExposure.SCHEMA.name(), AdExposure.SCHEMA);

    @ParentCommand
    PollenCli root;

    static FeatureSchema schema(String name) {
        FeatureSchema s = SCHEMAS.get(name);
        if (s == null) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "--schema must be one of "
                    + new java.util.TreeSet<>(SCHEMAS.keySet()) + " (found " + Echo.quote(name) + ")");
        }
        return s;
    }

    /** The store file and its schema, shared by every subcommand. */
    static final class StoreOptions {
        @Parameters(index = "0", description = "Store file, such as features/card-velocity.cm or"
                + " features/ad-exposure.cm.")
        Path store;
        @Option(names = "--schema", defaultValue = "card-velocity", description = "The store's schema:"
                + " card-velocity (the default) or ad-exposure.")
        String schema;

        ChronicleFeatureStore open(boolean repair) {
            FeatureSchema s = schema(schema);
            if (!Files.isRegularFile(store)) {
                throw new PollenException(ErrorCategory.NOT_FOUND, "feature store " + store + " does not exist");
            }
            return ChronicleFeatureStore.builder(store, s).repair(repair).open();
        }
    }

    /** Prints one JSON line and flushes it. */
    void print(ObjectNode line) {
        root.out.println(line);
        root.out.flush();
    }

    /** {@code pollen features get STORE KEY}. */
    @Command(name = "get", mixinStandardHelpOptions = true,
            description = "Print one key's windows as a JSON line.")
    static final class GetCmd implements Callable<Integer> {
        @ParentCommand
        FeaturesCommand parent;
        @Mixin
        StoreOptions store;
        @Parameters(index = "1", description = "The entity id, such as a card token (hashed as the adapters hash it).")
        String key;
        @Option(names = "--at", description = "Read the windows at this time, epoch milliseconds (default: now).")
        Long at;

        @Override
        public Integer call() {
            long when = at != null ? at : System.currentTimeMillis();
            if (when <= 0) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "--at must be positive epoch milliseconds"
                        + " (found " + when + ")");
            }
            try (ChronicleFeatureStore s = store.open(false)) {
                FeatureSnapshot snap = new FeatureSnapshot(s.schema());
                long hashed = FeatureKeys.of(key);
                s.read(hashed, when, snap);
                ObjectNode o = StrictJson.JSON.createObjectNode();
                o.put("key", key);
                o.put("hash", Long.toHexString(hashed));
                o.put("at", when);
                o.put("schema", s.schema().name());
                ObjectNode windows = o.putObject("windows");
                for (int w = 0; w < s.schema().windows(); w++) {
                    ObjectNode win = windows.putObject(s.schema().windowName(w));
                    for (int f = 0; f < s.schema().fields(); f++) {
                        win.put(s.schema().fieldName(f), snap.value(w, f));
                    }
                }
                parent.print(o);
            }
            return 0;
        }
    }

    /** {@code pollen features stats STORE}. */
    @Command(name = "stats", mixinStandardHelpOptions = true,
            description = "Print a store's size and counters as a JSON line.")
    static final class StatsCmd implements Callable<Integer> {
        @ParentCommand
        FeaturesCommand parent;
        @Mixin
        StoreOptions store;

        @Override
        public Integer call() throws Exception {
            try (ChronicleFeatureStore s = store.open(false)) {
                FeatureStoreStats st = s.stats();
                ObjectNode o = StrictJson.JSON.createObjectNode();
                o.put("store", s.file().toString());
                o.put("schema", s.schema().name());
                o.put("entries", st.keys());
                o.put("capacity", st.capacity());
                o.put("fileBytes", s.fileLength());
                o.put("recordBytes", s.schema().recordLength());
                o.put("evictions", st.evictions());
                o.put("lateDrops", st.lateDrops());
                o.put("refusedTimes", st.refusedTimes());
                o.put("refusedFull", st.refusedFull());
                parent.print(o);
            }
            return 0;
        }
    }

    /** {@code pollen features repair STORE}. */
    @Command(name = "repair", mixinStandardHelpOptions = true,
            description = "Open a damaged store, remove the records that fail their checksum and list their keys.")
    static final class RepairCmd implements Callable<Integer> {
        @ParentCommand
        FeaturesCommand parent;
        @Mixin
        StoreOptions store;

        @Override
        public Integer call() {
            try (ChronicleFeatureStore s = store.open(true)) {
                ObjectNode o = StrictJson.JSON.createObjectNode();
                o.put("store", s.file().toString());
                var lost = o.putArray("removedKeys");
                s.repairReport().damagedKeys().forEach(k -> lost.add(Long.toHexString(k)));
                o.put("missingKeys", s.repairReport().missingKeys());
                o.put("entries", s.size());
                parent.print(o);
            }
            return 0;
        }
    }
}
