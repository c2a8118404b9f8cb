package dev.pollen.text;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.catalog.Signature;
import dev.pollen.catalog.TensorSpec;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a text encoder's manifest and signature say about encoding with it, read and checked once when a
 * {@link TextEncoder} opens: its inputs, its token output, pooling, normalization, positions and truncation, and the
 * tokenizer attachment's name. The encoder itself only assembles resources from it; nothing here runs per call.
 *
 * @param what the model version, for messages
 * @param positions the most positions the model takes ({@value TextEncoder#MAX_POSITIONS}, default 512)
 * @param sequence the truncation length asked for: the builder's, else {@value TextEncoder#MAX_SEQUENCE}, else -1
 *     (the tokenizer file's)
 * @param meanPooling mean over the attention mask ({@code mean}) or the first token ({@code cls})
 * @param normalized whether embeddings are L2-normalized
 * @param tokenizerFile the tokenizer attachment's name
 * @param tokenOutput the {@code [batch, sequence, hidden]} output
 * @param dimension the declared embedding dimension ({@value TextEncoder#DIMENSION}), or -1 when not declared
 */
record EncoderSpec(String what, int positions, int sequence, boolean meanPooling, boolean normalized,
        String tokenizerFile, String tokenOutput, int dimension) {
    private static final Set<String> KNOWN_INPUTS = Set.of(TextEncoder.INPUT_IDS, TextEncoder.ATTENTION_MASK,
            TextEncoder.TOKEN_TYPE_IDS);

    /**
     * @param what the model version, for messages
     * @param signature its signature
     * @param props its manifest's properties
     * @param maxSequence the builder's truncation length, or -1
     * @return the spec
     * @throws PollenException {@link ErrorCategory#SIGNATURE_MISMATCH} when the model is not a text encoder Pollen can
     *     drive, {@link ErrorCategory#INVALID_ARGUMENT} for a truncation length beyond the model's positions
     */
    static EncoderSpec read(String what, Signature signature, Map<String, String> props, int maxSequence) {
        checkInputs(signature, what);
        int positions = intProperty(props, TextEncoder.MAX_POSITIONS, 512, what);
        int sequence = maxSequence != -1 ? maxSequence : intProperty(props, TextEncoder.MAX_SEQUENCE, -1, what);
        if (sequence > positions) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "max sequence of a text encoder for " + what
                    + " must be at most the model's " + TextEncoder.MAX_POSITIONS + " " + positions + " (found "
                    + sequence + ")");
        }
        String pooling = props.getOrDefault(TextEncoder.POOLING, "mean");
        if (!pooling.equals("mean") && !pooling.equals("cls")) {
            throw new PollenException(ErrorCategory.SIGNATURE_MISMATCH, "property '" + TextEncoder.POOLING + "' of "
                    + what + " must be 'mean' or 'cls' (found '" + pooling + "')");
        }
        String normalized = props.getOrDefault(TextEncoder.NORMALIZED, "true");
        if (!normalized.equals("true") && !normalized.equals("false")) {
            throw new PollenException(ErrorCategory.SIGNATURE_MISMATCH, "property '" + TextEncoder.NORMALIZED
                    + "' of " + what + " must be 'true' or 'false' (found '" + normalized + "')");
        }
        return new EncoderSpec(what, positions, sequence, pooling.equals("mean"), normalized.equals("true"),
                props.getOrDefault(TextEncoder.TOKENIZER, "tokenizer.json"), tokenOutput(signature, props, what),
                intProperty(props, TextEncoder.DIMENSION, -1, what));
    }

    /**
     * @param hidden the token output's hidden size, as the scoring context found it
     * @throws PollenException {@link ErrorCategory#SIGNATURE_MISMATCH} when the declared dimension differs
     */
    void checkHiddenSize(int hidden) {
        if (dimension != -1 && dimension != hidden) {
            throw new PollenException(ErrorCategory.SIGNATURE_MISMATCH, "property '" + TextEncoder.DIMENSION + "' of "
                    + what + " must equal the model's hidden size (expected " + hidden + ", found " + dimension + ")");
        }
    }

    private static void checkInputs(Signature signature, String what) {
        List<TensorSpec> inputs = signature.inputs();
        for (TensorSpec in : inputs) {
            if (!KNOWN_INPUTS.contains(in.name())) {
                throw new PollenException(ErrorCategory.SIGNATURE_MISMATCH, "inputs of text encoder " + what
                        + " must be among " + List.of(TextEncoder.INPUT_IDS, TextEncoder.ATTENTION_MASK,
                                TextEncoder.TOKEN_TYPE_IDS) + " (found '" + in.name() + "')");
            }
        }
        for (String required : List.of(TextEncoder.INPUT_IDS, TextEncoder.ATTENTION_MASK)) {
            if (signature.input(required) == null) {
                throw new PollenException(ErrorCategory.SIGNATURE_MISMATCH, "text encoder " + what
                        + " must have an input '" + required + "' (found " + inputs.stream()
                                .map(TensorSpec::name).toList() + ")");
            }
        }
    }

    private static String tokenOutput(Signature signature, Map<String, String> props, String what) {
        String named = props.get(TextEncoder.TOKEN_OUTPUT);
        if (named != null) {
            return named;
        }
        List<TensorSpec> rank3 = signature.outputs().stream().filter(o -> o.rank() == 3).toList();
        if (rank3.size() != 1) {
            throw new PollenException(ErrorCategory.SIGNATURE_MISMATCH, "text encoder " + what + " must name its"
                    + " [batch, sequence, hidden] output in property '" + TextEncoder.TOKEN_OUTPUT + "' when it has"
                    + " not exactly one rank-3 output (found " + rank3.size() + ")");
        }
        return rank3.get(0).name();
    }

    private static int intProperty(Map<String, String> props, String key, int fallback, String what) {
        String v = props.get(key);
        if (v == null) {
            return fallback;
        }
        try {
            int i = Integer.parseInt(v.trim());
            if (i < 1) {
                throw new NumberFormatException("not positive");
            }
            return i;
        } catch (NumberFormatException e) {
            throw new PollenException(ErrorCategory.SIGNATURE_MISMATCH, "property '" + key + "' of " + what
                    + " must be a positive integer (found '" + v + "')");
        }
    }
}
