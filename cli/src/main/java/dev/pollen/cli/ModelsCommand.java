package dev.pollen.cli;

import dev.pollen.catalog.Catalog;
import dev.pollen.catalog.Manifest;
import dev.pollen.models.DemoCatalog;
import dev.pollen.models.ads.AdsModels;
import dev.pollen.models.personalization.PersonalizationModels;
import dev.pollen.models.payments.PaymentsModels;
import dev.pollen.models.studio.StudioModels;
import dev.pollen.models.studio.TitleCatalog;
import dev.pollen.runtime.PollenRuntime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code pollen models build}: generates, trains and publishes the shipped models that are missing. */
@Command(name = "models", mixinStandardHelpOptions = true, description = "Build the shipped models.",
        subcommands = ModelsCommand.BuildCmd.class)
final class ModelsCommand {
    @ParentCommand
    PollenCli root;

    /**
     * Ensures every shipped artifact is in the catalog.
     *
     * @param root the CLI
     * @param runtime the process's runtime over the CLI's catalog (runs the content encoder)
     * @param titles how many studio titles to encode when the content-embedding table is missing
     * @return the manifests
     */
    static List<Manifest> ensureDefaults(PollenCli root, PollenRuntime runtime, int titles) {
        Catalog catalog = runtime.catalog();
        java.util.function.Consumer<String> log = msg -> {
            root.err.println("  " + msg);
            root.err.flush();
        };
        List<Manifest> all = new ArrayList<>(DemoCatalog.ensure(catalog));
        all.addAll(PaymentsModels.DEFAULT.ensure(catalog, log));
        Progress[] progress = new Progress[1];
        StudioModels studio = new StudioModels(new TitleCatalog(TitleCatalog.DEFAULT_SEED, titles));
        all.addAll(studio.ensure(runtime, log, done -> {
            if (progress[0] == null) {
                progress[0] = new Progress(root.err, "encoding titles", titles);
            }
            progress[0].update(done);
        }));
        if (progress[0] != null) {
            progress[0].finish();
        }
        Progress[] encoding = new Progress[1];
        all.addAll(AdsModels.DEFAULT.ensure(runtime, log, done -> {
            if (encoding[0] == null) {
                encoding[0] = new Progress(root.err, "encoding ad copy", AdsModels.DEFAULT.inventory().count());
            }
            encoding[0].update(done);
        }));
        if (encoding[0] != null) {
            encoding[0].finish();
        }
        Progress[] members = new Progress[1];
        all.addAll(PersonalizationModels.DEFAULT.ensure(runtime, log, done -> {
            if (members[0] == null) {
                members[0] = new Progress(root.err, "member vectors", PersonalizationModels.DEFAULT.history().members());
            }
            members[0].update(done);
        }));
        if (members[0] != null) {
            members[0].finish();
        }
        return all;
    }

    /** {@code pollen models build}. */
    @Command(name = "build", mixinStandardHelpOptions = true,
            description = "Generate, train and publish the shipped models that the catalog lacks.")
    static final class BuildCmd implements Callable<Integer> {
        @ParentCommand
        ModelsCommand parent;

        @Option(names = "--titles", defaultValue = "10000", description = "Studio titles to generate and encode"
                + " (default: 10000).")
        int titles;

        @Override
        public Integer call() {
            try (PollenRuntime runtime = PollenRuntime.builder(parent.root.catalog()).build()) {
                for (Manifest m : ensureDefaults(parent.root, runtime, titles)) {
                    String auc = m.properties().get("heldout.auc");
                    parent.root.out.println(m.id() + (auc == null ? "" : "  held-out AUC " + auc) + "  "
                            + m.description());
                }
            }
            return 0;
        }
    }
}
