package dev.pollen.benchmarks;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import dev.pollen.catalog.fs.FileSystemCatalog;
import dev.pollen.models.studio.ContentEncoderImport;
import dev.pollen.runtime.PollenRuntime;
import dev.pollen.text.TextEncoder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The studio content encoder (all-MiniLM-L6-v2 imported into a temporary catalog, run by {@link TextEncoder},
 * method {@code pollen}) against the same model in langchain4j ({@code AllMiniLmL6V2EmbeddingModel}, method
 * {@code langchain4j}), on the same texts, in one run:
 *
 * <ul>
 *   <li>{@code batch = 1}: one text per call, the next of {@link #TEXTS} each time. Pollen:
 *       {@code encode(text, out)}; langchain4j: {@code embed(text)}.</li>
 *   <li>{@code batch = 32}: 32 texts per call, alternating between the two halves of {@link #TEXTS}. Pollen:
 *       {@code encodeBatch(texts, out)}: the texts sorted by token count, dealt to parallel threads, and run in a few
 *       batched model runs of similar length; langchain4j: {@code embedAll}, which embeds each text in its own run on
 *       an executor of {@code availableProcessors} threads.</li>
 * </ul>
 *
 * <p><b>Threads.</b> langchain4j uses every core its own way in both cases: its session has ONNX Runtime's default
 * per-session pool (one spinning thread per physical core), and {@code embedAll} also runs texts in parallel. Pollen's
 * thread pool is set once per process, so each case gets the setup a service would choose for it, on the same cores:
 * for single texts (latency), a global intra-op pool of {@code availableProcessors} threads with spinning on; for
 * batches (throughput), Pollen's default single-threaded ONNX Runtime with {@code parallelism(availableProcessors)},
 * which encodes shares of the batch on that many threads at once. For single texts the pair holds two spinning pools
 * in one JVM, which take the two cores from each other's runs; {@code singleThreads} varies Pollen's side to show it,
 * and the sides alone ({@code pollen}, {@code langchain4j} in separate forks) give the undisturbed times. The texts are 64 title descriptions of 2 to 45
 * words. Times are per call ({@code batch} texts); run with {@code -prof gc} for bytes per call. Setup checks that
 * both sides agree (cosine at least 0.9999 on every text) before anything is timed.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ContentEncoderBenchmark {
    /** Realistic catalog texts: titles, loglines and synopses of varied length. */
    static final List<String> TEXTS = List.of(
            "Heist thriller",
            "A retired safecracker is pulled back for one last job in Lisbon.",
            "Two sisters inherit a crumbling vineyard and a family secret.",
            "What happens when the last lighthouse keeper on Earth stops answering the radio?",
            "In 1969, a NASA engineer races the clock to bring three astronauts home.",
            "Feel-good cooking competition with celebrity chefs and home cooks.",
            "A documentary about coral reefs, bleaching and the scientists fighting to save them.",
            "Stand-up special recorded live at Madison Square Garden.",
            "An animated adventure for kids about a brave little robot named Bolt who wants to see the ocean.",
            "A slow-burn psychological thriller where nothing is quite what it seems, told across three timelines.",
            "Romantic comedy in Paris",
            "A small-town sheriff investigates a string of disappearances linked to an abandoned mine.",
            "True crime series revisiting a decades-old murder case with new DNA evidence and interviews with the"
                    + " original detectives, the family of the victim and the man who spent twenty years in prison.",
            "Epic fantasy: an exiled princess, a dragon and a war for the northern kingdoms.",
            "Nature documentary narrated by a famous actor",
            "A teenage chess prodigy from Lagos takes on the world's best players while keeping her family"
                    + " together.",
            "Korean drama about rival chefs who fall in love while running competing restaurants on the same"
                    + " street.",
            "Sci-fi",
            "A group of friends on a road trip across Iceland discover a strange signal coming from the glacier.",
            "Biopic of a jazz trumpeter who changed the sound of a generation.",
            "Reality dating show set on a remote island.",
            "After a solar storm knocks out every satellite, a ship's navigator must guide a refugee convoy across"
                    + " the Atlantic using only the stars, her grandmother's notebooks and a broken radio.",
            "Anime series about high school volleyball.",
            "An investigative journalist uncovers corruption in the city's water supply.",
            "Horror anthology",
            "A grieving father builds a robot replica of his son and must face what it cannot replace.",
            "Historical drama following the builders of a medieval cathedral over forty years.",
            "Mockumentary about a failing regional theatre company staging Hamlet.",
            "A former soldier becomes the unlikely bodyguard of a pop star during a world tour.",
            "Cozy mystery: a retired librarian solves murders in a seaside village.",
            "Political thriller set in the final week of a tight presidential election.",
            "Space opera",
            "A wildlife photographer is stranded in the Arctic with a polar bear and her cubs.",
            "Docuseries on the rise and fall of a tech startup that promised to end world hunger.",
            "Heartwarming family film about a dog who travels across the country to find his owner.",
            "Legal drama in which a young public defender takes on a case nobody else wants.",
            "Teen comedy about a school dance gone wrong.",
            "An astronaut stranded on Mars must grow food to survive until rescue arrives, using science, duct"
                    + " tape and a sense of humour.",
            "Gritty cop drama set in 1970s New York.",
            "Cooking travel show exploring street food in Southeast Asia.",
            "A time-loop romance: two strangers relive the same rainy Tuesday in Tokyo.",
            "War film",
            "A musician losing her hearing records one final album with the help of an unlikely mentor.",
            "Spy thriller about a double agent during the last years of the Cold War.",
            "Survival competition in the Amazon rainforest.",
            "An elderly couple sets out to visit every national park before one of them forgets the way home.",
            "Superhero origin story with a twist: the powers come with a price.",
            "Investigative documentary about the global trade in counterfeit medicines.",
            "Western",
            "A con artist poses as a psychic to swindle the rich, until one of her predictions comes true.",
            "Sports drama about an underdog cycling team in the Tour de France.",
            "Quiet indie drama about a lighthouse, a storm and two brothers who have not spoken in ten years.",
            "Comedy special",
            "A marine biologist returns to the island where she grew up after her father disappears at sea.",
            "Animated musical about a family of mice living under the Paris Opera.",
            "Crime family saga spanning three generations in Naples.",
            "Post-apocalyptic survival story following a mother and daughter walking to the coast.",
            "Medical drama set in an understaffed rural hospital during a winter flu outbreak.",
            "Baking show",
            "A hacker discovers that the city's traffic system is being used to predict and control crime, and"
                    + " must decide whether to expose it.",
            "Lighthearted fantasy about a wizard who runs a failing bakery.",
            "Documentary about the last speakers of an endangered language.",
            "Psychological horror in a house where every room remembers the family that died there.",
            "Coming-of-age story about a girl who wants to be a racing driver.");

    static final int BATCH = 32;

    /** Texts per call: 1 or {@value #BATCH}. */
    @Param({"1", "32"})
    int batch;

    /**
     * Pollen's ONNX Runtime threads for single texts: {@code pool}, a global intra-op pool of
     * {@code availableProcessors} threads with spinning on (the latency setup); {@code pool-resting}, the same pool
     * with spinning off; {@code one}, Pollen's default of one intra-op thread per run, spinning off. Batches always use the default with {@code parallelism(cores)}.
     */
    @Param({"pool", "pool-resting", "one"})
    String singleThreads;

    private Path dir;
    private PollenRuntime runtime;
    private TextEncoder encoder;
    private AllMiniLmL6V2EmbeddingModel reference;
    private List<List<String>> batches;
    private List<List<TextSegment>> segmentBatches;
    private float[] out;
    private int next;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        dir = Files.createTempDirectory("pollen-bench");
        FileSystemCatalog catalog = FileSystemCatalog.open(dir.resolve("catalog"), PollenRuntime.validators());
        // The runtime first: it creates the process's ONNX Runtime environment with its thread pool, which the
        // publish-time validation and langchain4j then reuse. Opening the encoder switches DJL's network access off
        // before langchain4j's tokenizer loads.
        int cores = Runtime.getRuntime().availableProcessors();
        runtime = batch != 1 || singleThreads.equals("one") ? PollenRuntime.builder(catalog).build()
                : PollenRuntime.builder(catalog).intraOpThreads(cores).spinning(singleThreads.equals("pool")).build();
        ContentEncoderImport.ensure(catalog);
        encoder = TextEncoder.builder(runtime, "studio/content-encoder@prod").maxBatch(BATCH)
                .parallelism(batch == 1 ? 1 : cores).open();
        reference = new AllMiniLmL6V2EmbeddingModel();
        requireSameEmbeddings();
        batches = List.of(TEXTS.subList(0, BATCH), TEXTS.subList(BATCH, 2 * BATCH));
        segmentBatches = new ArrayList<>();
        for (List<String> b : batches) {
            segmentBatches.add(b.stream().map(TextSegment::from).toList());
        }
        out = new float[BATCH * encoder.dimension()];
    }

    /** Both sides must compute the same thing: cosine at least 0.9999 on every text, one by one and in batches. */
    private void requireSameEmbeddings() {
        if (TEXTS.size() != 2 * BATCH) {
            throw new IllegalStateException("the benchmark needs " + 2 * BATCH + " texts (found " + TEXTS.size() + ")");
        }
        int d = encoder.dimension();
        float[] rows = new float[BATCH * d];
        for (int half = 0; half < 2; half++) {
            encoder.encodeBatch(TEXTS.subList(half * BATCH, (half + 1) * BATCH), rows, 0);
            for (int i = 0; i < BATCH; i++) {
                String text = TEXTS.get(half * BATCH + i);
                float[] theirs = reference.embed(text).content().vector();
                requireCosine(encoder.encode(text), 0, theirs, text);
                requireCosine(rows, i * d, theirs, text + "' in a batch of " + BATCH + " '");
            }
        }
    }

    private static void requireCosine(float[] ours, int offset, float[] theirs, String text) {
        double dot = 0;
        for (int j = 0; j < theirs.length; j++) {
            dot += (double) ours[offset + j] * theirs[j];
        }
        if (dot < 0.9999) {
            throw new IllegalStateException("cosine of Pollen's and langchain4j's embeddings must be at least 0.9999"
                    + " (found " + dot + " for '" + text + "')");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        encoder.close();
        runtime.close();
        TempDirectory.delete(dir);
    }

    @Benchmark
    public void pollen(Blackhole bh) {
        int i = next++;
        if (batch == 1) {
            encoder.encode(TEXTS.get(i & (TEXTS.size() - 1)), out, 0);
        } else {
            encoder.encodeBatch(batches.get(i & 1), out, 0);
        }
        bh.consume(out);
    }

    @Benchmark
    public void langchain4j(Blackhole bh) {
        int i = next++;
        if (batch == 1) {
            bh.consume(reference.embed(TEXTS.get(i & (TEXTS.size() - 1))).content().vector());
        } else {
            List<Embedding> embeddings = reference.embedAll(segmentBatches.get(i & 1)).content();
            bh.consume(embeddings);
        }
    }

    /**
     * The acceptance ratio, drift-proof: {@link #langchain4j} (a) and {@link #pollen} (b) back to back in every
     * invocation, alternating order ({@link PairedTimes}), so a / b is Pollen's throughput over langchain4j's.
     *
     * @param t the paired clock
     * @param bh the blackhole
     * @return nothing useful; the sides consume their results into {@code bh}
     * @throws Exception never; the paired clock's signature
     */
    @Benchmark
    public float paired(PairedTimes t, Blackhole bh) throws Exception {
        this.bh = bh;
        return t.pair(langchain4jSide, pollenSide);
    }

    private Blackhole bh;
    private final PairedTimes.Side langchain4jSide = () -> {
        langchain4j(bh);
        return 0;
    };
    private final PairedTimes.Side pollenSide = () -> {
        pollen(bh);
        return 0;
    };
}
