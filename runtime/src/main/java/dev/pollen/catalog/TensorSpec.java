package dev.pollen.catalog;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import java.util.List;

/**
 * A named input or output of a model, or the vector type of a table: dtype and shape.
 *
 * @param name the tensor name, as in the ONNX graph
 * @param dtype the element type
 * @param shape the dimensions, outermost first; an empty list is a scalar
 */
public record TensorSpec(String name, DType dtype, List<Dim> shape) {
    /** Copies the shape and checks the parts are present. */
    public TensorSpec {
        if (name == null || name.isEmpty()) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT,
                    "tensor name must not be empty (found " + (name == null ? "nothing" : "''") + ")");
        }
        if (dtype == null) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "tensor '" + name + "' needs a dtype");
        }
        shape = List.copyOf(shape);
    }

    /**
     * @param name the tensor name
     * @param dtype the element type
     * @param dims each a {@link Long}/{@link Integer} size or a {@link String} symbol
     * @return the spec
     */
    public static TensorSpec of(String name, DType dtype, Object... dims) {
        Dim[] parsed = new Dim[dims.length];
        for (int i = 0; i < dims.length; i++) {
            Object d = dims[i];
            parsed[i] = d instanceof String s ? Dim.symbolic(s) : Dim.fixed(((Number) d).longValue());
        }
        return new TensorSpec(name, dtype, List.of(parsed));
    }

    /** @return the rank, the number of dimensions */
    public int rank() {
        return shape.size();
    }

    /** @return {@code true} when some dimension has exactly this fixed size */
    public boolean hasDimension(long size) {
        for (Dim d : shape) {
            if (!d.isSymbolic() && d.size() == size) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return name + ": " + dtype + shape;
    }
}
