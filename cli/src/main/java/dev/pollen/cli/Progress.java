package dev.pollen.cli;

import java.io.PrintWriter;

/**
 * A progress bar on standard error: one line redrawn at most once per percent on a terminal, or a new line every
 * 10 % when standard error is a file or a pipe (so logs stay readable).
 */
final class Progress {
    private static final int WIDTH = 40;

    private final PrintWriter err;
    private final String label;
    private final long total;
    private final boolean interactive = System.console() != null;
    private int lastPercent = -1;

    Progress(PrintWriter err, String label, long total) {
        this.err = err;
        this.label = label;
        this.total = Math.max(1, total);
    }

    void update(long done) {
        int percent = (int) (done * 100 / total);
        if (percent == lastPercent || (!interactive && percent % 10 != 0)) {
            return;
        }
        lastPercent = percent;
        int filled = percent * WIDTH / 100;
        String bar = label + " [" + "#".repeat(filled) + " ".repeat(WIDTH - filled) + "] " + percent + "%";
        err.print(interactive ? "\r" + bar : bar + "\n");
        err.flush();
    }

    void finish() {
        update(total);
        if (interactive) {
            err.println();
        }
        err.flush();
    }
}
