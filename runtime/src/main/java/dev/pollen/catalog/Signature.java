package dev.pollen.catalog;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What an artifact computes: its named inputs and outputs. For a table, the single output is the vector type.
 *
 * @param inputs the inputs, in model order
 * @param outputs the outputs, in model order
 */
public record Signature(List<TensorSpec> inputs, List<TensorSpec> outputs) {
    /** Copies the lists and checks that names are unique. */
    public Signature {
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
        unique("input", inputs);
        unique("output", outputs);
    }

    private static void unique(String what, List<TensorSpec> specs) {
        Set<String> seen = new HashSet<>();
        for (TensorSpec spec : specs) {
            if (!seen.add(spec.name())) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT,
                        what + " names must be unique (found '" + spec.name() + "' twice)");
            }
        }
    }

    /** @return an empty signature */
    public static Signature empty() {
        return new Signature(List.of(), List.of());
    }

    /**
     * @param name an input name
     * @return the input's spec, or {@code null} when there is none of that name
     */
    public TensorSpec input(String name) {
        return find(inputs, name);
    }

    /**
     * @param name an output name
     * @return the output's spec, or {@code null} when there is none of that name
     */
    public TensorSpec output(String name) {
        return find(outputs, name);
    }

    private static TensorSpec find(List<TensorSpec> specs, String name) {
        for (TensorSpec spec : specs) {
            if (spec.name().equals(name)) {
                return spec;
            }
        }
        return null;
    }

    @Override
    public String toString() {
        return "inputs " + inputs + " outputs " + outputs;
    }
}
