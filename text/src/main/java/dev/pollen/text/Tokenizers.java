package dev.pollen.text;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/**
 * Creates DJL's Hugging Face tokenizer from the bytes of a {@code tokenizer.json}, offline.
 *
 * <p>DJL may reach the network in two places, both switched off here before any DJL class loads, unless the
 * application set them itself: a telemetry call ({@code Ec2Utils.callHome}, which first asks the EC2 metadata
 * address) on every tokenizer creation, skipped with {@code OPT_OUT_TRACKING=true} or offline mode; and a download of
 * the native library when no bundled one fits (CUDA flavours only), skipped in offline mode
 * ({@code ai.djl.offline=true}), which also makes DJL pick the bundled CPU library. The native library is extracted
 * from the tokenizers jar into DJL's cache directory ({@code ~/.djl.ai/tokenizers}, or {@code DJL_CACHE_DIR}) on
 * first use.
 */
final class Tokenizers {
    /** System properties DJL reads (environment variables of the same meaning take precedence in DJL). */
    static final Map<String, String> OFFLINE = Map.of("ai.djl.offline", "true", "OPT_OUT_TRACKING", "true");

    static {
        goOffline();
    }

    private Tokenizers() {
    }

    /** Sets DJL's offline switches unless the application set them; idempotent. */
    static void goOffline() {
        for (Map.Entry<String, String> e : OFFLINE.entrySet()) {
            if (System.getProperty(e.getKey()) == null) {
                System.setProperty(e.getKey(), e.getValue());
            }
        }
    }

    /**
     * @param json the tokenizer.json bytes
     * @param maxLength truncate encodings to this many tokens (special tokens included), or {@code -1} for the
     *     tokenizer file's own truncation length
     * @param modelMaxLength the most positions the model takes; DJL never truncates beyond it
     * @param what the file and artifact, for messages
     * @return a tokenizer that truncates and never pads
     */
    static HuggingFaceTokenizer load(byte[] json, int maxLength, int modelMaxLength, String what) {
        Map<String, String> options = new HashMap<>();
        options.put("addSpecialTokens", "true");
        options.put("padding", "false");
        options.put("truncation", "true");
        options.put("modelMaxLength", Integer.toString(modelMaxLength));
        if (maxLength > 0) {
            options.put("maxLength", Integer.toString(maxLength));
        }
        try {
            return HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(json), options);
        } catch (IOException | RuntimeException e) {
            throw new PollenException(ErrorCategory.MODEL_LOAD, "cannot create the Hugging Face tokenizer from "
                    + what + ": " + e.getMessage(), e);
        }
    }
}
