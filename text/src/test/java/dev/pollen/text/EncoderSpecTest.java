package dev.pollen.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.catalog.DType;
import dev.pollen.catalog.Signature;
import dev.pollen.catalog.TensorSpec;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What a text encoder's manifest and signature must say, each refusal naming the property, rule and value. */
class EncoderSpecTest {
    private static final String WHAT = "studio/enc@1";

    private static Signature signature(List<String> inputs, int rank3Outputs) {
        List<TensorSpec> in = inputs.stream().map(n -> TensorSpec.of(n, DType.INT64, "batch", "sequence")).toList();
        List<TensorSpec> out = new java.util.ArrayList<>();
        for (int i = 0; i < rank3Outputs; i++) {
            out.add(TensorSpec.of("tokens" + i, DType.FLOAT32, "batch", "sequence", 8));
        }
        out.add(TensorSpec.of("pooled", DType.FLOAT32, "batch", 8));
        return new Signature(in, out);
    }

    private static final Signature BERT = signature(List.of(TextEncoder.INPUT_IDS, TextEncoder.ATTENTION_MASK,
            TextEncoder.TOKEN_TYPE_IDS), 1);

    private static PollenException refused(Signature signature, Map<String, String> props, int maxSequence,
            ErrorCategory category, String message) {
        PollenException e = assertThrows(PollenException.class,
                () -> EncoderSpec.read(WHAT, signature, props, maxSequence));
        assertEquals(category, e.category(), e.getMessage());
        assertTrue(e.getMessage().contains(message), e.getMessage());
        return e;
    }

    @Test
    void shouldReadTheDefaultsOfABertStyleEncoder() {
        EncoderSpec spec = EncoderSpec.read(WHAT, BERT, Map.of(), -1);
        assertEquals(512, spec.positions());
        assertEquals(-1, spec.sequence());
        assertTrue(spec.meanPooling());
        assertTrue(spec.normalized());
        assertEquals("tokenizer.json", spec.tokenizerFile());
        assertEquals("tokens0", spec.tokenOutput());
        spec.checkHiddenSize(8); // no declared dimension: any hidden size
    }

    @Test
    void shouldHonourEveryProperty() {
        Map<String, String> props = Map.of(TextEncoder.MAX_POSITIONS, "256", TextEncoder.MAX_SEQUENCE, "128",
                TextEncoder.POOLING, "cls", TextEncoder.NORMALIZED, "false", TextEncoder.TOKENIZER, "tok.json",
                TextEncoder.TOKEN_OUTPUT, "pooled", TextEncoder.DIMENSION, "8");
        EncoderSpec spec = EncoderSpec.read(WHAT, BERT, props, -1);
        assertEquals(256, spec.positions());
        assertEquals(128, spec.sequence());
        assertFalse(spec.meanPooling());
        assertFalse(spec.normalized());
        assertEquals("tok.json", spec.tokenizerFile());
        assertEquals("pooled", spec.tokenOutput());
        assertEquals(64, EncoderSpec.read(WHAT, BERT, props, 64).sequence(), "the builder's length wins");
        spec.checkHiddenSize(8);
    }

    @Test
    void shouldRefuseWhatItCannotDriveNamingTheRuleAndTheValue() {
        refused(signature(List.of(TextEncoder.INPUT_IDS, "pixels"), 1), Map.of(), -1, ErrorCategory.SIGNATURE_MISMATCH,
                "inputs of text encoder " + WHAT + " must be among [input_ids, attention_mask, token_type_ids] (found"
                        + " 'pixels')");
        refused(signature(List.of(TextEncoder.INPUT_IDS), 1), Map.of(), -1, ErrorCategory.SIGNATURE_MISMATCH,
                "must have an input 'attention_mask' (found [input_ids])");
        refused(signature(List.of(TextEncoder.INPUT_IDS, TextEncoder.ATTENTION_MASK), 2), Map.of(), -1,
                ErrorCategory.SIGNATURE_MISMATCH, "when it has not exactly one rank-3 output (found 2)");
        refused(BERT, Map.of(TextEncoder.POOLING, "max"), -1, ErrorCategory.SIGNATURE_MISMATCH,
                "must be 'mean' or 'cls' (found 'max')");
        refused(BERT, Map.of(TextEncoder.NORMALIZED, "yes"), -1, ErrorCategory.SIGNATURE_MISMATCH,
                "must be 'true' or 'false' (found 'yes')");
        refused(BERT, Map.of(TextEncoder.MAX_POSITIONS, "-3"), -1, ErrorCategory.SIGNATURE_MISMATCH,
                "must be a positive integer (found '-3')");
        refused(BERT, Map.of(TextEncoder.MAX_POSITIONS, "128"), 300, ErrorCategory.INVALID_ARGUMENT,
                "must be at most the model's " + TextEncoder.MAX_POSITIONS + " 128 (found 300)");
        Map<String, String> dim = new HashMap<>(Map.of(TextEncoder.DIMENSION, "384"));
        EncoderSpec spec = EncoderSpec.read(WHAT, BERT, dim, -1);
        PollenException e = assertThrows(PollenException.class, () -> spec.checkHiddenSize(8));
        assertEquals(ErrorCategory.SIGNATURE_MISMATCH, e.category());
        assertTrue(e.getMessage().contains("must equal the model's hidden size (expected 8, found 384)"),
                e.getMessage());
    }
}
