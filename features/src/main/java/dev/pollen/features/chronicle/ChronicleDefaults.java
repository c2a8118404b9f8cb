package dev.pollen.features.chronicle;

/**
 * Switches off Chronicle's analytics and announcer before any Chronicle class loads, unless the JVM already chose.
 * Every Pollen class that uses Chronicle calls {@link #apply()} from its static initializer.
 */
public final class ChronicleDefaults {
    private ChronicleDefaults() {
    }

    /** Sets {@code chronicle.analytics.disable} and {@code chronicle.announcer.disable} to true when unset. */
    public static void apply() {
        if (System.getProperty("chronicle.analytics.disable") == null) {
            System.setProperty("chronicle.analytics.disable", "true");
        }
        if (System.getProperty("chronicle.announcer.disable") == null) {
            System.setProperty("chronicle.announcer.disable", "true");
        }
    }
}
