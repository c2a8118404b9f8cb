package dev.pollen.features;

/**
 * Card velocity at one moment: transaction count and amount (US dollars) in the last minute, hour and day.
 * A mutable holder, reused across calls so reading allocates nothing. Not thread-safe.
 */
public final class VelocitySnapshot {
    private final int[] counts = new int[VelocityWindows.COUNT];
    private final double[] amounts = new double[VelocityWindows.COUNT];

    /**
     * @param window {@link VelocityWindows#MINUTE}, {@link VelocityWindows#HOUR} or {@link VelocityWindows#DAY}
     * @return transactions in that window
     */
    public int count(int window) {
        return counts[window];
    }

    /**
     * @param window a window index
     * @return amount in that window, US dollars
     */
    public double amount(int window) {
        return amounts[window];
    }

    void set(int window, int count, double amount) {
        counts[window] = count;
        amounts[window] = amount;
    }

    /** Sets every window to zero. */
    public void clear() {
        for (int w = 0; w < VelocityWindows.COUNT; w++) {
            counts[w] = 0;
            amounts[w] = 0;
        }
    }

    @Override
    public String toString() {
        return "1m " + counts[0] + "/" + amounts[0] + ", 1h " + counts[1] + "/" + amounts[1] + ", 1d " + counts[2]
                + "/" + amounts[2];
    }
}
