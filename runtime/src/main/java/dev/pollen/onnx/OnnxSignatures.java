package dev.pollen.onnx;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.catalog.DType;
import dev.pollen.catalog.Dim;
import dev.pollen.catalog.Signature;
import dev.pollen.catalog.TensorSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Reads a session's real signature and compares it with a declared one. */
final class OnnxSignatures {
    private OnnxSignatures() {
    }

    /**
     * @param session a loaded session
     * @param what the artifact, for messages
     * @return the model's inputs and outputs as ONNX Runtime reports them; unnamed dynamic dimensions get the
     *     symbol {@code ?}
     */
    static Signature read(OrtSession session, String what) {
        try {
            return new Signature(specs(session.getInputInfo(), what), specs(session.getOutputInfo(), what));
        } catch (OrtException e) {
            throw OnnxErrors.map(e, ErrorCategory.MODEL_LOAD, "cannot read the signature of " + what);
        }
    }

    private static List<TensorSpec> specs(Map<String, NodeInfo> infos, String what) {
        List<TensorSpec> specs = new ArrayList<>();
        for (NodeInfo node : infos.values()) {
            if (!(node.getInfo() instanceof TensorInfo info)) {
                throw new PollenException(ErrorCategory.SIGNATURE_MISMATCH, "value '" + node.getName() + "' of "
                        + what + " must be a tensor (found " + node.getInfo() + ")");
            }
            long[] shape = info.getShape();
            String[] names = info.getDimensionNames();
            List<Dim> dims = new ArrayList<>();
            for (int i = 0; i < shape.length; i++) {
                if (shape[i] >= 0) {
                    dims.add(Dim.fixed(shape[i]));
                } else {
                    String symbol = names != null && i < names.length && !names[i].isEmpty() ? names[i] : "?";
                    dims.add(Dim.symbolic(symbol));
                }
            }
            specs.add(new TensorSpec(node.getName(), dtype(info.type, node.getName(), what), dims));
        }
        return specs;
    }

    static DType dtype(OnnxJavaType type, String name, String what) {
        return switch (type) {
            case FLOAT -> DType.FLOAT32;
            case DOUBLE -> DType.FLOAT64;
            case FLOAT16 -> DType.FLOAT16;
            case INT8 -> DType.INT8;
            case UINT8 -> DType.UINT8;
            case INT16 -> DType.INT16;
            case INT32 -> DType.INT32;
            case INT64 -> DType.INT64;
            case BOOL -> DType.BOOL;
            case STRING -> DType.STRING;
            default -> throw new PollenException(ErrorCategory.SIGNATURE_MISMATCH, "tensor '" + name + "' of " + what
                    + " has element type " + type + ", which Pollen does not support");
        };
    }

    static OnnxJavaType javaType(DType type) {
        return switch (type) {
            case FLOAT32 -> OnnxJavaType.FLOAT;
            case FLOAT64 -> OnnxJavaType.DOUBLE;
            case FLOAT16 -> OnnxJavaType.FLOAT16;
            case INT8 -> OnnxJavaType.INT8;
            case UINT8 -> OnnxJavaType.UINT8;
            case INT16 -> OnnxJavaType.INT16;
            case INT32 -> OnnxJavaType.INT32;
            case INT64 -> OnnxJavaType.INT64;
            case BOOL -> OnnxJavaType.BOOL;
            case STRING -> OnnxJavaType.STRING;
        };
    }

    /**
     * Checks that a declared signature describes the model exactly: the same input and output names, dtypes and
     * ranks; declared fixed sizes equal the model's; declared symbolic dimensions are dynamic in the model (their
     * names are labels and may differ).
     *
     * @param declared the signature from the manifest
     * @param actual the signature ONNX Runtime reports
     * @param what the artifact, for messages
     * @throws PollenException {@link ErrorCategory#SIGNATURE_MISMATCH} naming the first tensor that disagrees
     */
    static void requireMatch(Signature declared, Signature actual, String what) {
        compare("input", declared.inputs(), actual, true, what);
        compare("output", declared.outputs(), actual, false, what);
    }

    private static void compare(String kind, List<TensorSpec> declared, Signature actual, boolean inputs,
            String what) {
        List<TensorSpec> real = inputs ? actual.inputs() : actual.outputs();
        for (TensorSpec d : declared) {
            TensorSpec a = inputs ? actual.input(d.name()) : actual.output(d.name());
            if (a == null) {
                throw mismatch("declared " + kind + " '" + d.name() + "' of " + what + " must exist in the ONNX model"
                        + " (model " + kind + "s: " + names(real) + ")");
            }
            if (a.dtype() != d.dtype()) {
                throw mismatch(kind + " '" + d.name() + "' of " + what + " must have dtype " + d.dtype()
                        + " as declared (found " + a.dtype() + " in the ONNX model)");
            }
            if (a.rank() != d.rank()) {
                throw mismatch(kind + " '" + d.name() + "' of " + what + " must have shape " + d.shape()
                        + " as declared (found " + a.shape() + " in the ONNX model)");
            }
            for (int i = 0; i < d.rank(); i++) {
                Dim dd = d.shape().get(i);
                Dim ad = a.shape().get(i);
                boolean ok = dd.isSymbolic() ? ad.isSymbolic() : !ad.isSymbolic() && ad.size() == dd.size();
                if (!ok) {
                    throw mismatch(kind + " '" + d.name() + "' of " + what + " must have shape " + d.shape()
                            + " as declared (found " + a.shape() + " in the ONNX model: dimension " + i + " is "
                            + ad + ")");
                }
            }
        }
        for (TensorSpec a : real) {
            boolean listed = declared.stream().anyMatch(d -> d.name().equals(a.name()));
            if (!listed) {
                throw mismatch("ONNX model " + kind + " '" + a.name() + "' of " + what + " must be declared in the "
                        + "signature (declared " + kind + "s: " + names(declared) + ")");
            }
        }
    }

    private static List<String> names(List<TensorSpec> specs) {
        return specs.stream().map(TensorSpec::name).toList();
    }

    private static PollenException mismatch(String message) {
        return new PollenException(ErrorCategory.SIGNATURE_MISMATCH, message);
    }
}
