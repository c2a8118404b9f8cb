package dev.pollen.cli;

import dev.pollen.PollenException;
import dev.pollen.catalog.fs.FileSystemCatalog;
import dev.pollen.internal.Echo;
import dev.pollen.features.chronicle.JvmFlags;
import dev.pollen.runtime.PollenRuntime;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code pollen} command. Errors are one line on standard error (control characters escaped, cut to
 * {@value JsonLines#MESSAGE_CHARS} characters) and a non-zero exit code (2 for bad usage or input, 1 for other
 * failures); {@code --verbose} adds the stack trace.
 */
@Command(name = "pollen", mixinStandardHelpOptions = true, version = "pollen 0.1.0",
        description = "Publish, discover and score shared models and embedding tables.",
        subcommands = {CatalogCommand.class, ScoreCommand.class, PaymentsCommands.FraudCmd.class,
            PaymentsCommands.RouteCmd.class, AdsCommands.AdsCmd.class, FeaturesCommand.class, TableCommand.class,
            PersonalizationCommands.RankCmd.class, PersonalizationCommands.RecommendCmd.class,
            PersonalizationCommands.SimilarCmd.class, ModelsCommand.class, LoadCommand.class,
            BenchCommand.class, FlinkCommand.class, DemoCommand.class})
public final class PollenCli {
    /** Exit code for bad usage or bad input. */
    static final int USAGE = 2;
    /** Exit code for other failures. */
    static final int FAILURE = 1;

    @Option(names = "--catalog", paramLabel = "DIR",
            description = "Catalog directory (default: $POLLEN_CATALOG, else ~/.pollen/catalog).")
    Path catalogDir;

    @Option(names = {"-v", "--verbose"}, description = "Print stack traces on errors, and what libraries log"
            + " (Chronicle, DJL), which is hidden by default.")
    boolean verbose;

    final InputStream in;
    final PrintWriter out;
    final PrintWriter err;

    PollenCli(InputStream in, PrintWriter out, PrintWriter err) {
        this.in = in;
        this.out = out;
        this.err = err;
    }

    /**
     * @return the catalog chosen by {@code --catalog}, {@code POLLEN_CATALOG} or the default, publishing models and
     *     tables checked by Pollen's validators ({@link PollenRuntime#validators()})
     */
    FileSystemCatalog catalog() {
        return FileSystemCatalog.open(catalogPath(), PollenRuntime.validators());
    }

    Path catalogPath() {
        if (catalogDir != null) {
            return catalogDir;
        }
        String env = System.getenv("POLLEN_CATALOG");
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        return Path.of(System.getProperty("user.home"), ".pollen", "catalog");
    }

    /**
     * Runs the CLI in-process.
     *
     * @param args arguments
     * @param in standard input
     * @param out standard output
     * @param err standard error
     * @return the exit code
     */
    public static int run(String[] args, InputStream in, PrintWriter out, PrintWriter err) {
        return run(args, in, out, err, false);
    }

    /**
     * @param configureLogging whether this run owns the process: then {@code --verbose} turns library logging on
     *     ({@link CliLogging}) once the command line is parsed, before the command loads any library
     */
    private static int run(String[] args, InputStream in, PrintWriter out, PrintWriter err,
            boolean configureLogging) {
        PollenCli root = new PollenCli(in, out, err);
        CommandLine cl = new CommandLine(root);
        shareVersion(cl, cl.getCommandSpec().version());
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            boolean verbose = root.verbose;
            if (e instanceof PollenException pe) {
                err.println("pollen: " + oneLine(pe.getMessage()));
                if (verbose) {
                    pe.printStackTrace(err);
                }
                err.flush();
                return isUsage(pe) ? USAGE : FAILURE;
            }
            err.println("pollen: " + oneLine(e.toString()));
            if (verbose) {
                e.printStackTrace(err);
            }
            err.flush();
            return FAILURE;
        });
        cl.setParameterExceptionHandler((e, strings) -> {
            err.println("pollen: " + oneLine(e.getMessage()));
            err.println("Try '" + e.getCommandLine().getCommandSpec().qualifiedName() + " --help'.");
            err.flush();
            return USAGE;
        });
        cl.setExecutionStrategy(parseResult -> {
            refuseVersionWithValue(parseResult);
            if (configureLogging && root.verbose) {
                CliLogging.configure(true);
            }
            return new CommandLine.RunLast().execute(parseResult);
        });
        int code = cl.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    /**
     * {@code --version} is the standard option on every command and takes no value, so {@code publish ... --version 3}
     * (how publish pinned a number before {@code --artifact-version}) would print the version and exit 0 without
     * publishing; it is refused instead, naming the option to use.
     */
    private static void refuseVersionWithValue(CommandLine.ParseResult parseResult) {
        CommandLine.ParseResult last = parseResult;
        while (last.hasSubcommand()) {
            last = last.subcommand();
        }
        if (last.isVersionHelpRequested() && !last.unmatched().isEmpty()) {
            String value = last.unmatched().get(0);
            boolean publish = last.commandSpec().userObject() instanceof CatalogCommand.PublishCmd;
            throw new CommandLine.ParameterException(last.commandSpec().commandLine(), "--version prints Pollen's"
                    + " version and takes no value (found " + Echo.quote(value) + ")" + (publish ? "; pin the"
                    + " published version's number with --artifact-version " + value : ""));
        }
    }

    /** Gives every subcommand the root's version, so {@code --version} prints it on every command, not a blank. */
    private static void shareVersion(CommandLine cl, String[] version) {
        for (CommandLine sub : cl.getSubcommands().values()) {
            sub.getCommandSpec().version(version);
            shareVersion(sub, version);
        }
    }

    /**
     * @param message an error message, which may echo values from outside
     * @return it on one line (control characters escaped) and at most {@link JsonLines#MESSAGE_CHARS} characters
     */
    static String oneLine(String message) {
        return Echo.cut(String.valueOf(message), JsonLines.MESSAGE_CHARS);
    }

    private static boolean isUsage(PollenException e) {
        return switch (e.category()) {
            case INVALID_ARGUMENT, NOT_FOUND, ALREADY_EXISTS, SIGNATURE_MISMATCH -> true;
            default -> false;
        };
    }

    /**
     * Sets the system properties among the JVM flags Pollen needs ({@code -Dchronicle.analytics.disable=true}), which
     * a jar manifest cannot carry, unless the command line set them; before any Chronicle class loads. The
     * {@code --add-opens} and {@code --add-exports} flags are in the jar's manifest, so {@code java -jar pollen.jar}
     * needs no flags.
     */
    private static void setSystemProperties() {
        for (String flag : JvmFlags.required()) {
            if (flag.startsWith("-D")) {
                String[] kv = flag.substring(2).split("=", 2);
                if (System.getProperty(kv[0]) == null) {
                    System.setProperty(kv[0], kv.length == 2 ? kv[1] : "");
                }
            }
        }
    }

    /**
     * @param args command line
     */
    public static void main(String[] args) {
        CliLogging.configure(false); // quiet until --verbose is parsed
        // Not auto-flushed: the streaming commands flush whenever they would wait for input (JsonLines), so a
        // co-process gets every answer at once while a file is still written in large blocks.
        PrintWriter out = new PrintWriter(System.out, false, java.nio.charset.StandardCharsets.UTF_8);
        PrintWriter err = new PrintWriter(System.err, true, java.nio.charset.StandardCharsets.UTF_8);
        try {
            setSystemProperties();
            JvmFlags.requireAll("pollen");
        } catch (PollenException e) {
            err.println("pollen: " + e.getMessage());
            System.exit(FAILURE);
        }
        System.exit(run(args, System.in, out, err, true));
    }
}
