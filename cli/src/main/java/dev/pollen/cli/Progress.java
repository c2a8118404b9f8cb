package dev.pollen.cli;

import java.io.PrintWriter;

/** A one-line progress bar on standard error, redrawn at most once per percent. */
final class Progress {
    private static final int WIDTH = 40;

    private final PrintWriter err;
    private final String label;
    private final long total;
    private int lastPercent = -1;

    Progress(PrintWriter err, String label, long total) {
        this.err = err;
        this.label = label;
        this.total = Math.max(1, total);
    }

    void update(long done) {
        int percent = (int) (done * 100 / total);
        if (percent == lastPercent) {
            return;
        }
        lastPercent = percent;
        int filled = percent * WIDTH / 100;
        err.print("\r" + label + " [" + "#".repeat(filled) + " ".repeat(WIDTH - filled) + "] " + percent + "%");
        err.flush();
    }

    void finish() {
        update(total);
        err.println();
        err.flush();
    }
}
