package dev.pollen.cli;

import dev.pollen.catalog.Catalog;
import dev.pollen.catalog.Manifest;
import dev.pollen.models.DemoCatalog;
import dev.pollen.models.payments.PaymentsModels;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
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
     * @return the manifests
     */
    static List<Manifest> ensureDefaults(PollenCli root) {
        Catalog catalog = root.catalog();
        List<Manifest> all = new ArrayList<>(DemoCatalog.ensure(catalog));
        all.addAll(PaymentsModels.DEFAULT.ensure(catalog, msg -> {
            root.err.println("  " + msg);
            root.err.flush();
        }));
        return all;
    }

    /** {@code pollen models build}. */
    @Command(name = "build", mixinStandardHelpOptions = true,
            description = "Generate, train and publish the shipped models that the catalog lacks.")
    static final class BuildCmd implements Callable<Integer> {
        @ParentCommand
        ModelsCommand parent;

        @Override
        public Integer call() {
            for (Manifest m : ensureDefaults(parent.root)) {
                String auc = m.properties().get("heldout.auc");
                parent.root.out.println(m.id() + (auc == null ? "" : "  held-out AUC " + auc) + "  " + m.description());
            }
            return 0;
        }
    }
}
