package dev.pollen.features;

/**
 * One key's windows at one moment: per window and field, the sum of the values events added. A mutable holder,
 * reused across calls so that reading allocates nothing. Not thread-safe.
 */
public final class FeatureSnapshot {
    private final FeatureSchema schema;
    private final double[] values;

    /**
     * @param schema the schema of the store it is read from
     */
    public FeatureSnapshot(FeatureSchema schema) {
        this.schema = schema;
        this.values = new double[schema.windows() * schema.fields()];
    }

    /** @return the schema */
    public FeatureSchema schema() {
        return schema;
    }

    /**
     * @param window a window index of the schema
     * @param field a field index of the schema
     * @return the field's sum over the window
     */
    public double value(int window, int field) {
        return values[window * schema.fields() + field];
    }

    void set(int window, int field, double v) {
        values[window * schema.fields() + field] = v;
    }

    /** Sets every value to zero (an unknown key). */
    public void clear() {
        java.util.Arrays.fill(values, 0);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (int w = 0; w < schema.windows(); w++) {
            sb.append(w == 0 ? "" : ", ").append(schema.windowName(w));
            for (int f = 0; f < schema.fields(); f++) {
                sb.append(' ').append(schema.fieldName(f)).append('=').append(value(w, f));
            }
        }
        return sb.toString();
    }
}
