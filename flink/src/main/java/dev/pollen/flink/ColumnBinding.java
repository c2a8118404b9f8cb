package dev.pollen.flink;

import dev.pollen.catalog.DType;
import dev.pollen.catalog.Dim;
import dev.pollen.catalog.Signature;
import dev.pollen.catalog.TensorSpec;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.catalog.Column;
import org.apache.flink.table.catalog.ResolvedSchema;
import org.apache.flink.table.types.logical.ArrayType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.LogicalTypeRoot;

/**
 * How a SQL model's declared {@code INPUT} and {@code OUTPUT} columns map onto a Pollen model's signature, checked
 * once at planning (and again against each version the live handle binds). Two input forms:
 *
 * <ul>
 *   <li><b>by name</b>: one column per model input, named as the input: {@code ARRAY<FLOAT>} (or {@code DOUBLE})
 *       for an input of {@code [batch, n]}, a number for {@code [batch]} or {@code [batch, 1]};</li>
 *   <li><b>packed</b>: for a model with one input of {@code [batch, n]}, {@code n} number columns, packed into the
 *       row in their declared order (such as the fraud model's 30 features as 30 {@code FLOAT} columns).</li>
 * </ul>
 *
 * Every output column names a model output: a number for one value per row, an array for several. Numbers are
 * {@code TINYINT}, {@code SMALLINT}, {@code INT}, {@code BIGINT}, {@code FLOAT} or {@code DOUBLE}; tensors are
 * {@code float32}, with every non-batch dimension fixed.
 */
final class ColumnBinding implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final List<LogicalTypeRoot> NUMBERS = List.of(LogicalTypeRoot.TINYINT, LogicalTypeRoot.SMALLINT,
            LogicalTypeRoot.INTEGER, LogicalTypeRoot.BIGINT, LogicalTypeRoot.FLOAT, LogicalTypeRoot.DOUBLE);

    /** One column: its position, how it is read or written, and where in the tensor's row it goes. */
    record Slot(int column, String name, String tensor, boolean array, boolean doubles, int elements, int offset,
            LogicalTypeRoot type) implements Serializable {
        private static final long serialVersionUID = 1L;
    }

    private final List<Slot> inputs;
    private final List<Slot> outputs;

    private ColumnBinding(List<Slot> inputs, List<Slot> outputs) {
        this.inputs = List.copyOf(inputs);
        this.outputs = List.copyOf(outputs);
    }

    /** @return the input columns in declared order */
    List<Slot> inputs() {
        return inputs;
    }

    /** @return the output columns in declared order */
    List<Slot> outputs() {
        return outputs;
    }

    /**
     * @param model the SQL model, for messages
     * @param signature the Pollen model's signature
     * @param input the declared INPUT columns
     * @param output the declared OUTPUT columns
     * @return the binding
     * @throws ValidationException naming the column, the rule and what the model has
     */
    static ColumnBinding of(String model, Signature signature, ResolvedSchema input, ResolvedSchema output) {
        List<Column> in = input.getColumns();
        List<Column> out = output.getColumns();
        List<Slot> inputs = new ArrayList<>();
        boolean byName = in.stream().allMatch(c -> signature.input(c.getName()) != null)
                && in.size() == signature.inputs().size();
        if (byName) {
            for (int i = 0; i < in.size(); i++) {
                TensorSpec t = signature.input(in.get(i).getName());
                inputs.add(slot(model, "INPUT", i, in.get(i), t, 0));
            }
        } else if (signature.inputs().size() == 1 && in.stream().allMatch(c -> number(c.getDataType()
                .getLogicalType()))) {
            TensorSpec t = signature.inputs().get(0);
            int elements = rowElements(model, t);
            if (in.size() != elements) {
                throw error(model, "declares " + in.size() + " INPUT number columns, but input '" + t.name() + "' "
                        + t + " takes " + elements + " values per row; declare " + elements + " columns (packed in"
                        + " order) or one ARRAY<FLOAT> column named '" + t.name() + "'", signature);
            }
            checkDtype(model, t, signature);
            for (int i = 0; i < in.size(); i++) {
                inputs.add(new Slot(i, in.get(i).getName(), t.name(), false, false, 1, i,
                        in.get(i).getDataType().getLogicalType().getTypeRoot()));
            }
        } else {
            throw error(model, "INPUT columns " + names(in) + " must either name each of the model's inputs "
                    + names(signature.inputs()) + " once, or be number columns packed into its one input",
                    signature);
        }
        List<Slot> outputs = new ArrayList<>();
        if (out.isEmpty()) {
            throw error(model, "declares no OUTPUT column", signature);
        }
        for (int i = 0; i < out.size(); i++) {
            TensorSpec t = signature.output(out.get(i).getName());
            if (t == null) {
                throw error(model, "OUTPUT column '" + out.get(i).getName() + "' names no output of the model;"
                        + " its outputs are " + names(signature.outputs()), signature);
            }
            outputs.add(slot(model, "OUTPUT", i, out.get(i), t, 0));
        }
        return new ColumnBinding(inputs, outputs);
    }

    /**
     * Checks a version's signature against this binding (a new version behind the alias must fit the declared
     * columns, else it is never switched to).
     *
     * @param model the SQL model, for messages
     * @param signature the version's signature
     */
    void check(String model, Signature signature) {
        java.util.Map<String, Integer> perInput = new java.util.LinkedHashMap<>();
        inputs.forEach(s -> perInput.merge(s.tensor(), s.elements(), Integer::sum));
        perInput.forEach((name, n) -> fits(model, signature.input(name), name, n, signature));
        if (perInput.size() != signature.inputs().size()) {
            throw error(model, "fills the inputs " + perInput.keySet() + ", but this version takes "
                    + names(signature.inputs()), signature);
        }
        outputs.forEach(s -> fits(model, signature.output(s.tensor()), s.tensor(), s.elements(), signature));
    }

    private static void fits(String model, TensorSpec t, String name, int elements, Signature signature) {
        if (t == null || t.dtype() != DType.FLOAT32 || rowElements(model, t) != elements) {
            throw error(model, "declares " + elements + " values per row for '" + name + "', which this version"
                    + " does not have", signature);
        }
    }

    private static Slot slot(String model, String side, int index, Column c, TensorSpec t, int offset) {
        LogicalType type = c.getDataType().getLogicalType();
        int elements = rowElements(model, t);
        checkDtype(model, t, null);
        if (type instanceof ArrayType a) {
            LogicalTypeRoot e = a.getElementType().getTypeRoot();
            if (e != LogicalTypeRoot.FLOAT && e != LogicalTypeRoot.DOUBLE) {
                throw error(model, side + " column '" + c.getName() + "' is " + type + "; an array column must be"
                        + " ARRAY<FLOAT> or ARRAY<DOUBLE>", null);
            }
            return new Slot(index, c.getName(), t.name(), true, e == LogicalTypeRoot.DOUBLE, elements, offset, e);
        }
        if (!number(type)) {
            throw error(model, side + " column '" + c.getName() + "' is " + type + "; it must be a number"
                    + " (TINYINT, SMALLINT, INT, BIGINT, FLOAT, DOUBLE) or ARRAY<FLOAT>", null);
        }
        if (elements != 1) {
            throw error(model, side + " column '" + c.getName() + "' is one " + type + ", but '" + t.name() + "' "
                    + t + " has " + elements + " values per row; declare it ARRAY<FLOAT>", null);
        }
        return new Slot(index, c.getName(), t.name(), false, type.getTypeRoot() == LogicalTypeRoot.DOUBLE, 1,
                offset, type.getTypeRoot());
    }

    private static void checkDtype(String model, TensorSpec t, Signature signature) {
        if (t.dtype() != DType.FLOAT32) {
            throw error(model, "tensor '" + t.name() + "' is " + t.dtype().toString().toLowerCase(Locale.ROOT)
                    + "; the SQL provider scores float32 tensors only", signature);
        }
    }

    /** Values per row: the product of the non-batch dimensions, which must be fixed. */
    private static int rowElements(String model, TensorSpec t) {
        long n = 1;
        List<Dim> shape = t.shape();
        for (int d = 1; d < shape.size(); d++) {
            if (shape.get(d).isSymbolic()) {
                throw error(model, "tensor '" + t.name() + "' " + t + " has a symbolic dimension besides the"
                        + " batch; the SQL provider needs fixed row shapes", null);
            }
            n *= shape.get(d).size();
        }
        return Math.toIntExact(n);
    }

    private static boolean number(LogicalType type) {
        return NUMBERS.contains(type.getTypeRoot());
    }

    private static String names(List<?> items) {
        List<String> out = new ArrayList<>();
        for (Object o : items) {
            out.add(o instanceof Column c ? c.getName() : ((TensorSpec) o).name());
        }
        return out.toString();
    }

    private static ValidationException error(String model, String problem, Signature signature) {
        return new ValidationException("model " + model + " " + problem
                + (signature == null ? "" : " (the model's signature: " + signature + ")"));
    }
}
