package dev.pollen.features;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.internal.Echo;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What a {@link FeatureStore} keeps per key: sliding windows, each a ring of fixed-width time buckets, and fields,
 * each a sum of the values events add (a counter is a field every event adds 1 to). Card velocity is one schema
 * (count and amount over a minute, an hour and a day); ads frequency caps are another (impressions over an hour,
 * a day and a week). Immutable; a store file remembers the {@link #fingerprint()} of the schema it was created
 * with and refuses another.
 *
 * <p>A window at time {@code t} sums the buckets whose interval overlaps {@code (t - width, t]}: it covers between
 * {@code n - 1} and {@code n} bucket widths of history. That bounded error buys a fixed-size record per key
 * ({@link WindowedRecord}).
 *
 * <pre>{@code
 * FeatureSchema caps = FeatureSchema.builder("ad-frequency")
 *         .window("1h", 12, Duration.ofMinutes(5))
 *         .window("1d", 24, Duration.ofHours(1))
 *         .window("7d", 28, Duration.ofHours(6))
 *         .field("impressions")
 *         .build();
 * }</pre>
 */
public final class FeatureSchema {
    /** Rule for schema, window and field names. */
    public static final String NAME_RULE = "[a-z0-9][a-z0-9_.-]{0,39}";
    private static final Pattern NAME = Pattern.compile(NAME_RULE);
    /** Most windows per schema. */
    public static final int MAX_WINDOWS = 8;
    /** Most fields per schema. */
    public static final int MAX_FIELDS = 8;
    /** Most buckets per window. */
    public static final int MAX_BUCKETS = 1024;

    private final String name;
    private final String[] windowNames;
    private final int[] buckets;
    private final long[] bucketMillis;
    private final int[] firstBucket;
    private final int totalBuckets;
    private final String[] fieldNames;
    private final long longestWindowMillis;
    private final long fingerprint;

    private FeatureSchema(Builder b) {
        this.name = b.name;
        int w = b.windows.size();
        this.windowNames = new String[w];
        this.buckets = new int[w];
        this.bucketMillis = new long[w];
        this.firstBucket = new int[w];
        int total = 0;
        long longest = 0;
        for (int i = 0; i < w; i++) {
            Window win = b.windows.get(i);
            windowNames[i] = win.name;
            buckets[i] = win.buckets;
            bucketMillis[i] = win.bucketMillis;
            firstBucket[i] = total;
            total += win.buckets;
            longest = Math.max(longest, win.buckets * win.bucketMillis);
        }
        this.totalBuckets = total;
        this.longestWindowMillis = longest;
        this.fieldNames = b.fields.toArray(new String[0]);
        this.fingerprint = computeFingerprint();
    }

    private long computeFingerprint() {
        StringBuilder sb = new StringBuilder("pollen-feature-schema/1:").append(name);
        for (int i = 0; i < windowNames.length; i++) {
            sb.append('|').append(windowNames[i]).append(':').append(buckets[i]).append('x').append(bucketMillis[i]);
        }
        for (String f : fieldNames) {
            sb.append('|').append(f);
        }
        return dev.pollen.internal.Hashing.chars(sb);
    }

    /**
     * @param name the schema's name, such as {@code card-velocity}
     * @return a builder
     */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** @return the schema's name */
    public String name() {
        return name;
    }

    /** @return number of windows */
    public int windows() {
        return windowNames.length;
    }

    /**
     * @param window a window index
     * @return its name, such as {@code 1h}
     */
    public String windowName(int window) {
        return windowNames[window];
    }

    /**
     * @param window a window index
     * @return its number of buckets
     */
    public int buckets(int window) {
        return buckets[window];
    }

    /**
     * @param window a window index
     * @return the width of one of its buckets, milliseconds
     */
    public long bucketMillis(int window) {
        return bucketMillis[window];
    }

    /**
     * @param window a window index
     * @return its width, {@code buckets × bucketMillis}
     */
    public long windowMillis(int window) {
        return buckets[window] * bucketMillis[window];
    }

    int firstBucket(int window) {
        return firstBucket[window];
    }

    /** @return buckets over all windows */
    public int totalBuckets() {
        return totalBuckets;
    }

    /** @return number of fields */
    public int fields() {
        return fieldNames.length;
    }

    /**
     * @param field a field index
     * @return its name, such as {@code amount}
     */
    public String fieldName(int field) {
        return fieldNames[field];
    }

    /**
     * @param name a window name
     * @return its index, or -1
     */
    public int windowIndex(String name) {
        for (int i = 0; i < windowNames.length; i++) {
            if (windowNames[i].equals(name)) {
                return i;
            }
        }
        return -1;
    }

    /**
     * @param name a field name
     * @return its index, or -1
     */
    public int fieldIndex(String name) {
        for (int i = 0; i < fieldNames.length; i++) {
            if (fieldNames[i].equals(name)) {
                return i;
            }
        }
        return -1;
    }

    /** @return the widest window, milliseconds */
    public long longestWindowMillis() {
        return longestWindowMillis;
    }

    /** @return a 64-bit hash of the name, windows and fields, stored with a store file to refuse another schema */
    public long fingerprint() {
        return fingerprint;
    }

    /** @return bytes of one key's record ({@link WindowedRecord#length(FeatureSchema)}) */
    public int recordLength() {
        return WindowedRecord.length(this);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(name).append(" (windows");
        for (int i = 0; i < windowNames.length; i++) {
            sb.append(' ').append(windowNames[i]).append('=').append(buckets[i]).append('x')
                    .append(bucketMillis[i]).append("ms");
        }
        return sb.append("; fields ").append(String.join(", ", fieldNames)).append(')').toString();
    }

    private static String checkName(String what, String v) {
        if (v == null || !NAME.matcher(v).matches()) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, what + " must match " + NAME_RULE + " (found "
                    + Echo.quote(v) + ")");
        }
        return v;
    }

    private record Window(String name, int buckets, long bucketMillis) {
    }

    /** Declares windows and fields; {@link #build()} checks them. Not thread-safe. */
    public static final class Builder {
        private final String name;
        private final List<Window> windows = new ArrayList<>();
        private final List<String> fields = new ArrayList<>();

        private Builder(String name) {
            this.name = checkName("feature schema name", name);
        }

        /**
         * @param name the window's name, such as {@code 1h}
         * @param buckets how many buckets the ring holds, 1 to {@link #MAX_BUCKETS}
         * @param bucketWidth the width of one bucket, at least 1 ms
         * @return this
         */
        public Builder window(String name, int buckets, java.time.Duration bucketWidth) {
            checkName("window name", name);
            Objects.requireNonNull(bucketWidth, "bucketWidth");
            if (buckets < 1 || buckets > MAX_BUCKETS) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "window '" + name + "' must have 1 to "
                        + MAX_BUCKETS + " buckets (found " + buckets + ")");
            }
            long ms = bucketWidth.toMillis();
            if (ms < 1 || ms > 366L * 86_400_000L) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "window '" + name + "' must have buckets"
                        + " from 1 ms to 366 days wide (found " + bucketWidth + ")");
            }
            if (windows.stream().anyMatch(w -> w.name.equals(name))) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "window names must be unique in schema '"
                        + this.name + "' (found '" + name + "' twice)");
            }
            windows.add(new Window(name, buckets, ms));
            return this;
        }

        /**
         * @param name a field: the sum of the values events add to it
         * @return this
         */
        public Builder field(String name) {
            checkName("field name", name);
            if (fields.contains(name)) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "field names must be unique in schema '"
                        + this.name + "' (found '" + name + "' twice)");
            }
            fields.add(name);
            return this;
        }

        /** @return the schema */
        public FeatureSchema build() {
            if (windows.isEmpty() || windows.size() > MAX_WINDOWS || fields.isEmpty() || fields.size() > MAX_FIELDS) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "feature schema '" + name + "' must have 1"
                        + " to " + MAX_WINDOWS + " windows and 1 to " + MAX_FIELDS + " fields (found "
                        + windows.size() + " windows, " + fields.size() + " fields)");
            }
            return new FeatureSchema(this);
        }
    }
}
