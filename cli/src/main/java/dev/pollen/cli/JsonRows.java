package dev.pollen.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.catalog.DType;
import dev.pollen.catalog.TensorSpec;
import dev.pollen.internal.Echo;
import dev.pollen.onnx.ScoringContext;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Moves JSON rows in and out of a {@link ScoringContext}, validating each row against the model's signature.
 * A row is an object with one field per input, each holding the row's values for that input: a flat array of
 * {@code rowElements} values, or nested arrays matching the non-batch shape. Output rows have one field per output,
 * flat. Every error names the line, the input, the rule and the value.
 *
 * <p>A row may carry an {@value #ID} field, a string or an integer, which is not an input: it is passed through to the
 * row's answer as its first field (and to its error line), so answers can be joined to requests by id rather than by
 * position. A model with an input named {@value #ID} gets it as that input, and one with an output of that name gets
 * no pass-through (the field is then refused as not an input), so an answer never holds two fields of one name.
 */
final class JsonRows {
    /** The field passed through from a row to its answer. */
    static final String ID = "id";

    private final ScoringContext ctx;
    private final String what;
    /** Whether {@value #ID} is passed through: neither an input nor an output of the model is named so. */
    private final boolean passId;
    /** Each batch row's {@value #ID}, or {@code null}. */
    private final JsonNode[] ids;
    private long lastLine;
    private JsonNode lastId;

    JsonRows(ScoringContext ctx) {
        this.ctx = ctx;
        this.what = ctx.modelId().toString();
        boolean named = false;
        for (int i = 0; i < ctx.inputCount(); i++) {
            check(ctx.inputSpec(i));
            named |= ctx.inputSpec(i).name().equals(ID);
        }
        for (int i = 0; i < ctx.outputCount(); i++) {
            check(ctx.outputSpec(i));
            named |= ctx.outputSpec(i).name().equals(ID);
        }
        this.passId = !named;
        this.ids = new JsonNode[ctx.maxBatch()];
    }

    private void check(TensorSpec spec) {
        if (spec.dtype() == DType.FLOAT16 || spec.dtype() == DType.STRING) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "tensor '" + spec.name() + "' of " + what
                    + " has dtype " + spec.dtype() + ", which JSON scoring does not support");
        }
    }

    /**
     * Parses one line and writes it as row {@code row} of the input buffers.
     *
     * @param lineNo 1-based line number, for messages
     * @param line the JSON text
     * @param row the batch row to fill
     */
    void write(long lineNo, String line, int row) {
        lastLine = lineNo;
        lastId = null;
        ids[row] = null;
        JsonNode node = StrictJson.object("line " + lineNo, line, "with one field per input");
        if (passId && node.has(ID)) {
            JsonNode id = node.get(ID);
            if (!id.isTextual() && !id.isIntegralNumber()) {
                throw fail(lineNo, "field '" + ID + "' must be a string or an integer, passed through to the answer"
                        + " (found " + StrictJson.show(id) + ")");
            }
            lastId = id;
            ids[row] = id;
        }
        List<String> names = inputNames();
        Iterator<String> fields = node.fieldNames();
        while (fields.hasNext()) {
            String f = fields.next();
            if (!names.contains(f) && !(passId && f.equals(ID))) {
                throw fail(lineNo, "field " + Echo.quote(f) + " is not an input of " + what + " (inputs: " + names
                        + ")" + (f.equals(ID) ? "; it is not passed through, as " + what + " has an output named '"
                        + ID + "'" : ""));
            }
        }
        for (int i = 0; i < ctx.inputCount(); i++) {
            TensorSpec spec = ctx.inputSpec(i);
            JsonNode value = node.get(spec.name());
            if (value == null || value.isNull()) {
                throw fail(lineNo, "input '" + spec.name() + "' is missing (inputs: " + names + ")");
            }
            int n = ctx.inputRowElements(i);
            List<JsonNode> flat = values(lineNo, spec, ctx.inputRowShape(i), n, value);
            ByteBuffer buf = ctx.inputBuffer(i);
            int base = row * n;
            for (int k = 0; k < n; k++) {
                String rule = put(spec, buf, base + k, flat.get(k));
                if (rule != null) {
                    throw fail(lineNo, "values of input '" + spec.name() + "' (dtype " + spec.dtype() + ") must be "
                            + rule + " (found " + asWritten(lineNo, line, i, k, flat.get(k)) + " at element " + k
                            + ")");
                }
            }
        }
    }

    /**
     * Accepts a row as a flat array of exactly {@code n} values, as nested arrays of exactly the row shape, or, for
     * one value per row, a bare value.
     */
    private List<JsonNode> values(long lineNo, TensorSpec spec, long[] rowShape, int n, JsonNode value) {
        List<JsonNode> out = new ArrayList<>(n);
        if (!value.isArray()) {
            if (n != 1) {
                throw fail(lineNo, "input '" + spec.name() + "' must be an array of " + n + " values (found "
                        + StrictJson.show(value) + ")");
            }
            out.add(value);
            return out;
        }
        boolean flat = true;
        for (JsonNode v : value) {
            flat &= !v.isArray();
        }
        if (flat) {
            if (value.size() != n) {
                throw fail(lineNo, "input '" + spec.name() + "' must have " + n + " values per row for shape "
                        + spec.shape() + " (found " + value.size() + ")");
            }
            value.forEach(out::add);
            return out;
        }
        nested(lineNo, spec, rowShape, 0, value, "", out);
        return out;
    }

    private void nested(long lineNo, TensorSpec spec, long[] rowShape, int level, JsonNode v, String at,
            List<JsonNode> out) {
        if (level == rowShape.length) {
            if (v.isArray()) {
                throw fail(lineNo, "input '" + spec.name() + "' is nested deeper than its row shape "
                        + java.util.Arrays.toString(rowShape) + " (found an array at " + at + ")");
            }
            out.add(v);
            return;
        }
        if (!v.isArray() || v.size() != rowShape[level]) {
            throw fail(lineNo, "input '" + spec.name() + "' must be a flat array of " + ctxElements(rowShape)
                    + " values or nested arrays of shape " + java.util.Arrays.toString(rowShape) + " (at "
                    + (at.isEmpty() ? "the top" : at) + ": expected " + rowShape[level] + " values, found "
                    + (v.isArray() ? v.size() + "" : StrictJson.show(v)) + ")");
        }
        for (int k = 0; k < v.size(); k++) {
            nested(lineNo, spec, rowShape, level + 1, v.get(k), at + "[" + k + "]", out);
        }
    }

    private static long ctxElements(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    /**
     * Writes one value unless the dtype cannot hold it: a float32 or float64 value must be a JSON number that stays
     * finite in that dtype ({@code 1e39} is refused for float32 and {@code 1e309}, which Jackson reads as an
     * infinite double, for both, instead of being scored as an infinity); values below the smallest subnormal round
     * to zero, as any decimal rounds to its nearest float. Integers must be integral and in the dtype's range.
     *
     * @return {@code null} when written, else the rule the value breaks
     */
    private static String put(TensorSpec spec, ByteBuffer buf, int index, JsonNode v) {
        DType t = spec.dtype();
        switch (t) {
            case BOOL -> {
                if (!v.isBoolean()) {
                    return "true or false";
                }
                buf.put(index, (byte) (v.asBoolean() ? 1 : 0));
            }
            case FLOAT32 -> {
                float f = v.isNumber() ? v.floatValue() : Float.NaN;
                if (!Float.isFinite(f)) {
                    return v.isNumber() ? "finite numbers within float32's range, at most " + Float.MAX_VALUE
                            + " in magnitude" : "numbers";
                }
                buf.putFloat(index * 4, f);
            }
            case FLOAT64 -> {
                double d = v.isNumber() ? v.doubleValue() : Double.NaN;
                if (!Double.isFinite(d)) {
                    return v.isNumber() ? "finite numbers within float64's range, at most " + Double.MAX_VALUE
                            + " in magnitude" : "numbers";
                }
                buf.putDouble(index * 8, d);
            }
            default -> {
                if (!v.isIntegralNumber()) {
                    return "integers";
                }
                long l = v.asLong();
                long min = switch (t) {
                    case INT8 -> Byte.MIN_VALUE;
                    case UINT8 -> 0;
                    case INT16 -> Short.MIN_VALUE;
                    case INT32 -> Integer.MIN_VALUE;
                    default -> Long.MIN_VALUE;
                };
                long max = switch (t) {
                    case INT8 -> Byte.MAX_VALUE;
                    case UINT8 -> 255;
                    case INT16 -> Short.MAX_VALUE;
                    case INT32 -> Integer.MAX_VALUE;
                    default -> Long.MAX_VALUE;
                };
                if (!v.canConvertToLong() || l < min || l > max) {
                    return "integers from " + min + " to " + max;
                }
                switch (t) {
                    case INT8, UINT8 -> buf.put(index, (byte) l);
                    case INT16 -> buf.putShort(index * 2, (short) l);
                    case INT32 -> buf.putInt(index * 4, (int) l);
                    default -> buf.putLong(index * 8, l);
                }
            }
        }
        return null;
    }

    /** A refused value as written on the line (re-read with exact decimals), for its message. */
    private String asWritten(long lineNo, String line, int input, int element, JsonNode parsed) {
        try {
            JsonNode exact = StrictJson.asWritten(line);
            TensorSpec spec = ctx.inputSpec(input);
            List<JsonNode> flat = values(lineNo, spec, ctx.inputRowShape(input), ctx.inputRowElements(input),
                    exact.get(spec.name()));
            return StrictJson.show(flat.get(element));
        } catch (RuntimeException e) {
            return StrictJson.show(parsed);
        }
    }

    /**
     * @param lineNo a line handed to {@link #write}, which refused it
     * @return the {@value #ID} that line carried, if it was read before the line was refused; else {@code null}
     */
    JsonNode idOf(long lineNo) {
        return lineNo == lastLine ? lastId : null;
    }

    /**
     * @param row a scored batch row
     * @return its {@value #ID}, if it had one, then its outputs, as one JSON line
     */
    String read(int row) {
        ObjectNode node = StrictJson.JSON.createObjectNode();
        if (ids[row] != null) {
            node.set(ID, ids[row]);
        }
        for (int i = 0; i < ctx.outputCount(); i++) {
            TensorSpec spec = ctx.outputSpec(i);
            ArrayNode values = node.putArray(spec.name());
            ByteBuffer buf = ctx.outputBuffer(i);
            int n = ctx.outputRowElements(i);
            for (int k = row * n; k < (row + 1) * n; k++) {
                switch (spec.dtype()) {
                    case FLOAT32 -> values.add(buf.getFloat(k * 4));
                    case FLOAT64 -> values.add(buf.getDouble(k * 8));
                    case BOOL -> values.add(buf.get(k) != 0);
                    case INT8 -> values.add(buf.get(k));
                    case UINT8 -> values.add(buf.get(k) & 0xff);
                    case INT16 -> values.add(buf.getShort(k * 2));
                    case INT32 -> values.add(buf.getInt(k * 4));
                    default -> values.add(buf.getLong(k * 8));
                }
            }
        }
        try {
            return StrictJson.JSON.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot happen: writing a tree", e);
        }
    }

    private List<String> inputNames() {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < ctx.inputCount(); i++) {
            names.add(ctx.inputSpec(i).name());
        }
        return names;
    }

    private static PollenException fail(long lineNo, String message) {
        return new PollenException(ErrorCategory.INVALID_ARGUMENT, "line " + lineNo + ": " + message);
    }
}
