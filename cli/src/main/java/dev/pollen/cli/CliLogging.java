package dev.pollen.cli;

import dev.pollen.internal.Echo;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Locale;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * What the {@code pollen} process logs on standard error. Pollen logs through {@code System.Logger} and its libraries
 * through SLF4J (DJL, Chronicle), both ending in {@code java.util.logging} (slf4j-jdk14 is the CLI's one SLF4J
 * provider), so one configuration here covers them all.
 *
 * <p>Quiet by default: Pollen's own warnings, one line each ({@code pollen: warning: ...}), and errors from anyone;
 * library banners and warnings (Chronicle's "Chronicle core loaded from ...", its recovery warnings after a crash,
 * DJL's engine and CUDA notes) are dropped. {@code --verbose} shows every INFO and above, with logger names and stack
 * traces. A JVM started with {@code -Djava.util.logging.config.file} or {@code .class} keeps its own configuration.
 *
 * <p>Process-wide, so only {@link PollenCli#main} applies it; the in-process {@link PollenCli#run} used by tests and
 * embedders leaves logging alone.
 */
final class CliLogging {
    /** Pollen's own loggers: warnings show even when quiet. Held because java.util.logging keeps loggers weakly. */
    private static final Logger POLLEN = Logger.getLogger("dev.pollen");

    private CliLogging() {
    }

    /**
     * Configures {@code java.util.logging} for this process, before any library logs.
     *
     * @param verbose {@code --verbose}: show library INFO and warnings, logger names and stack traces
     */
    static void configure(boolean verbose) {
        if (System.getProperty("java.util.logging.config.file") != null
                || System.getProperty("java.util.logging.config.class") != null) {
            return;
        }
        Logger root = LogManager.getLogManager().getLogger("");
        root.setLevel(verbose ? Level.INFO : Level.SEVERE);
        POLLEN.setLevel(verbose ? Level.INFO : Level.WARNING);
        for (Handler h : root.getHandlers()) {
            h.setLevel(Level.ALL);
            h.setFormatter(new OneLine(verbose));
        }
    }

    /**
     * Runs an action with one logger's records that start with a prefix dropped: for a warning a command reports
     * itself, on its own standard error and in its own words, so that the process does not print it twice. Other
     * records of that logger pass; the logger's own filter, if any, still applies and is restored afterwards. Meant
     * for the CLI's single command thread: a record another thread logs meanwhile through that logger is filtered
     * too.
     *
     * @param logger the logger's name, such as a class name
     * @param prefix how the dropped messages start
     * @param action what to run
     * @param <T> what it returns
     * @return what it returned
     */
    static <T> T withoutRecords(String logger, String prefix, java.util.function.Supplier<T> action) {
        Logger l = Logger.getLogger(logger); // held here: java.util.logging keeps loggers weakly
        java.util.logging.Filter before = l.getFilter();
        l.setFilter(r -> (r.getMessage() == null || !r.getMessage().startsWith(prefix))
                && (before == null || before.isLoggable(r)));
        try {
            return action.get();
        } finally {
            l.setFilter(before);
        }
    }

    /** {@code pollen: warning: message}; verbose adds the logger's name and the stack trace. */
    private static final class OneLine extends Formatter {
        private final boolean verbose;

        OneLine(boolean verbose) {
            this.verbose = verbose;
        }

        @Override
        public String format(LogRecord r) {
            String level = r.getLevel() == Level.SEVERE ? "error" : r.getLevel().getName().toLowerCase(Locale.ROOT);
            StringBuilder sb = new StringBuilder("pollen: ").append(level).append(": ");
            if (verbose) {
                sb.append('[').append(r.getLoggerName()).append("] ");
            }
            String message = formatMessage(r);
            sb.append(verbose ? message : PollenCli.oneLine(message));
            if (r.getThrown() != null) {
                if (verbose) {
                    StringWriter trace = new StringWriter();
                    r.getThrown().printStackTrace(new PrintWriter(trace));
                    sb.append(System.lineSeparator()).append(trace.toString().stripTrailing());
                } else {
                    sb.append(": ").append(Echo.cut(String.valueOf(r.getThrown()), 200));
                }
            }
            return sb.append(System.lineSeparator()).toString();
        }
    }
}
