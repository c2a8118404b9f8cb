package dev.pollen.cli;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.catalog.ArtifactRef;
import dev.pollen.catalog.Catalog;
import dev.pollen.catalog.Manifest;
import dev.pollen.catalog.Names;
import dev.pollen.catalog.PublishRequest;
import dev.pollen.embedding.EmbeddingTableWriter;
import dev.pollen.embedding.IdKind;
import dev.pollen.embedding.MappedEmbeddingTable;
import dev.pollen.embedding.RowView;
import dev.pollen.embedding.Similarity;
import dev.pollen.embedding.TableArtifacts;
import dev.pollen.embedding.TableDType;
import dev.pollen.embedding.TopK;
import dev.pollen.embedding.source.VectorFormat;
import dev.pollen.embedding.source.VectorSource;
import dev.pollen.embedding.source.VectorSources;
import dev.pollen.internal.Echo;
import dev.pollen.internal.OwnerLock;
import dev.pollen.internal.Utf8LineReader;
import dev.pollen.runtime.PollenRuntime;
import dev.pollen.runtime.TableLease;
import dev.pollen.text.TextEncoder;
import dev.pollen.text.TextTables;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code pollen table build|encode|similar}: build embedding tables and query them. */
@Command(name = "table", description = "Build, publish and query embedding tables.", mixinStandardHelpOptions = true,
        subcommands = {TableCommand.BuildCmd.class, TableCommand.EncodeCmd.class, TableCommand.SimilarCmd.class})
final class TableCommand {
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
            new com.fasterxml.jackson.databind.ObjectMapper();

    @ParentCommand
    PollenCli root;

    /** Where a built table goes: published to the catalog, and/or written to local files. */
    static final class Destination {
        @Option(names = "--publish", paramLabel = "DOMAIN/NAME", description = "Publish to the catalog as a new"
                + " version of this artifact.")
        String publish;
        @Option(names = "--out", paramLabel = "FILE", description = "Also keep the table at FILE (its id index at"
                + " FILE.idx) instead of only in the catalog.")
        Path out;
        @Option(names = "--owner", description = "Who answers for the table (needed with --publish).")
        String owner;
        @Option(names = "--description", defaultValue = "", description = "What the table holds.")
        String description;
        @Option(names = "--tag", description = "A search tag (repeatable).")
        List<String> tags = new ArrayList<>();
        @Option(names = "--alias", description = "Point this alias (e.g. prod) at the new version.")
        String alias;
        @Option(names = "--dtype", defaultValue = "float32", description = "Storage: float32, float16 or int8"
                + " (default: float32).")
        String dtype;
        @Option(names = "--id-kind", defaultValue = "string", description = "Ids are strings or longs (default:"
                + " string).")
        String idKind;

        /**
         * Checks every setting before anything is read, built or published: a bad name or alias fails here, not
         * after a table was built and published without its alias.
         */
        void check() {
            if (publish == null && out == null) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "say where the table goes: --publish "
                        + "DOMAIN/NAME, --out FILE, or both");
            }
            if (publish != null && (owner == null || owner.isBlank())) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "--publish needs --owner");
            }
            if (publish != null) {
                String[] dn = publish.split("/", -1);
                if (dn.length != 2) {
                    throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "--publish must be DOMAIN/NAME (found "
                            + Echo.quote(publish) + ")");
                }
                Names.checkName("domain", dn[0]);
                Names.checkName("artifact name", dn[1]);
            }
            if (alias != null) {
                if (publish == null) {
                    throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "--alias needs --publish (found --alias "
                            + Echo.quote(alias) + " with only --out)");
                }
                Names.checkAlias(alias);
            }
        }

        /** @return the table file to write: --out, or a file in a fresh {@link Scratch} directory */
        Path tableFile() throws IOException {
            return out != null ? out : Scratch.create().resolve(TableArtifacts.PAYLOAD_FILE);
        }

        static Path indexOf(Path table) {
            return table.resolveSibling(table.getFileName() + ".idx");
        }

        /** Writes a table file: the body of {@code table build} and {@code table encode}. */
        @FunctionalInterface
        interface TableWrite {
            void write(Path table) throws IOException;
        }

        /**
         * Writes the table into {@link #tableFile()}, then publishes and reports it ({@link #finish}); a failed write
         * leaves no temporary directory behind.
         *
         * @return the command's exit code
         */
        int build(PollenCli root, TableWrite write) throws IOException {
            Path table = tableFile();
            boolean built = false;
            try {
                write.write(table);
                built = true;
            } finally {
                if (!built && out == null) {
                    Scratch.remove(table.getParent());
                }
            }
            finish(root, table);
            return 0;
        }

        /** Publishes the finished table if asked, prints where it went, and removes temporary files. */
        private void finish(PollenCli root, Path table) throws IOException {
            try {
                if (publish != null) {
                    String[] dn = publish.split("/");
                    PublishRequest.Builder request = TableArtifacts.request(dn[0], dn[1], table, indexOf(table))
                            .owner(owner).description(description);
                    tags.forEach(request::tag);
                    Catalog catalog = root.catalog();
                    Manifest m = catalog.publish(request.build());
                    if (alias != null) {
                        catalog.setAlias(m.id(), alias);
                    }
                    root.out.println("published " + m.id() + (alias != null ? " (alias " + alias + ")" : "") + ": "
                            + m.properties().get("table.rows") + " rows × " + m.properties().get("table.dimension")
                            + " " + m.properties().get("table.dtype") + ", sha256 " + m.sha256());
                }
                if (out != null) {
                    root.out.println("wrote " + out + " and " + indexOf(out));
                }
            } finally {
                if (out == null) {
                    Scratch.remove(table.getParent());
                }
            }
        }
    }

    /**
     * Temporary directories for tables bound only for the catalog, {@code pollen-table-PID-N} in
     * {@code java.io.tmpdir}, each with an {@code .owner} file locked by its command ({@link OwnerLock}) until it
     * removes the directory. A killed command cannot remove it, so every new one first sweeps the directories whose
     * owner lock is free (or that have no owner file and are over a minute old: the owner file is created right after
     * the directory); a live command's directory, in this process or another, is never touched.
     */
    static final class Scratch {
        static final String PREFIX = "pollen-table-";
        static final String OWNER = ".owner";
        private static final long NO_OWNER_GRACE_MILLIS = 60_000;
        /** The owner locks of this process's live scratch directories, released when each is removed. */
        private static final java.util.Map<Path, OwnerLock> HELD = new java.util.concurrent.ConcurrentHashMap<>();

        private Scratch() {
        }

        /** @return a new, owned scratch directory, after sweeping abandoned ones */
        static Path create() throws IOException {
            Path root = Path.of(System.getProperty("java.io.tmpdir"));
            sweep(root);
            Path dir = Files.createTempDirectory(root, PREFIX + ProcessHandle.current().pid() + "-");
            try {
                HELD.put(dir, OwnerLock.acquire(dir.resolve(OWNER)));
            } catch (IOException | RuntimeException e) {
                deleteTree(dir);
                throw e;
            }
            return dir;
        }

        /**
         * Removes abandoned scratch directories under {@code root}.
         *
         * @return how many were removed
         */
        static int sweep(Path root) {
            int removed = 0;
            List<Path> dirs = new ArrayList<>();
            try (java.nio.file.DirectoryStream<Path> s = Files.newDirectoryStream(root, PREFIX + "*")) {
                s.forEach(p -> {
                    if (Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                        dirs.add(p);
                    }
                });
            } catch (IOException e) {
                return 0;
            }
            long cutoff = System.currentTimeMillis() - NO_OWNER_GRACE_MILLIS;
            for (Path dir : dirs) {
                try {
                    Path owner = dir.resolve(OWNER);
                    boolean abandoned = Files.exists(owner) ? !OwnerLock.isHeld(owner)
                            : Files.getLastModifiedTime(dir).toMillis() < cutoff;
                    if (abandoned && !HELD.containsKey(dir)) {
                        deleteTree(dir);
                        removed++;
                    }
                } catch (IOException e) {
                    // left for the next sweep
                }
            }
            return removed;
        }

        /** Removes one of this process's scratch directories: its files, then its owner lock. */
        static void remove(Path dir) throws IOException {
            OwnerLock lock = HELD.remove(dir);
            try (Stream<Path> walk = Files.walk(dir)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                    if (!p.equals(dir) && (lock == null || !p.equals(lock.file()))) {
                        Files.deleteIfExists(p);
                    }
                }
            } finally {
                if (lock != null) {
                    lock.close();
                }
            }
            Files.deleteIfExists(dir);
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** {@code pollen table build INPUT}. */
    @Command(name = "build", mixinStandardHelpOptions = true,
            description = "Build a table from CSV (id,v1,...), NumPy .npy or .fvecs vectors, streaming.")
    static final class BuildCmd implements Callable<Integer> {
        @ParentCommand
        TableCommand parent;

        @Parameters(paramLabel = "INPUT", description = "Vectors: .csv, .npy or .fvecs.")
        Path input;
        @Option(names = "--ids", description = "Id file, one per line, for .npy and .fvecs (default: row numbers).")
        Path ids;
        @Option(names = "--format", description = "csv, npy or fvecs (default: from the file extension).")
        String format;
        @Option(names = "--produced-by", description = "What produced the vectors, such as a model ref.")
        String producedBy;
        @Mixin
        Destination to;

        @Override
        public Integer call() throws IOException {
            to.check();
            TableDType dtype = TableDType.parse(to.dtype);
            IdKind idKind = IdKind.parse(to.idKind);
            VectorFormat f = format == null ? null : parseFormat(format);
            return to.build(parent.root, table -> {
                try (VectorSource source = VectorSources.open(input, ids, f);
                     EmbeddingTableWriter writer = EmbeddingTableWriter.create(table, Destination.indexOf(table),
                             source.dimension(), dtype, idKind, producedBy == null ? "" : producedBy)) {
                    Progress progress = new Progress(parent.root.err, "building " + input.getFileName(),
                            source.totalBytes());
                    float[] row = new float[source.dimension()];
                    while (source.next(row)) {
                        if (idKind == IdKind.LONG) {
                            writer.append(parseLongId(source), row);
                        } else {
                            writer.append(source.id(), row);
                        }
                        if ((source.row() & 1023) == 0) {
                            progress.update(source.bytesRead());
                        }
                    }
                    progress.finish();
                    writer.finish();
                }
            });
        }

        private static VectorFormat parseFormat(String format) {
            try {
                return VectorFormat.valueOf(format.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "--format must be csv, npy or fvecs (found "
                        + Echo.quote(format) + ")");
            }
        }

        private static long parseLongId(VectorSource source) {
            try {
                return Long.parseLong(source.id());
            } catch (NumberFormatException e) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "row " + source.row() + ": --id-kind long"
                        + " needs integer ids (found " + Echo.quote(source.id()) + ")");
            }
        }
    }

    /** {@code pollen table encode ENCODER --input FILE}. */
    @Command(name = "encode", mixinStandardHelpOptions = true,
            description = "Encode a JSON-lines file of {\"id\": ..., \"text\": ...} with a text encoder from the"
                    + " catalog into a table, in batches.")
    static final class EncodeCmd implements Callable<Integer> {
        @ParentCommand
        TableCommand parent;

        @Parameters(paramLabel = "ENCODER", description = "Text encoder ref, such as studio/content-encoder@prod.")
        String encoderRef;
        @Option(names = "--input", required = true, description = "JSON lines, one object per text.")
        Path input;
        @Option(names = "--id-field", defaultValue = "id", description = "Field holding the id (default: id).")
        String idField;
        @Option(names = "--text-field", defaultValue = "text", description = "Field holding the text (default:"
                + " text).")
        String textField;
        @Option(names = "--batch", defaultValue = "32", description = "Texts per model run (default: 32).")
        int batch;

        @Option(names = "--max-line-bytes", paramLabel = "N", defaultValue = "1048576", description = "Longest"
                + " input line accepted, in bytes (default: 1048576, 1 MiB; at most 67108864).")
        int maxLineBytes;
        @Mixin
        Destination to;

        @Override
        public Integer call() throws IOException {
            to.check();
            if (!"string".equals(to.idKind)) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "table encode writes string ids (found"
                        + " --id-kind " + Echo.quote(to.idKind) + ")");
            }
            if (maxLineBytes < 1 || maxLineBytes > Utf8LineReader.MAX_LINE_BYTES_LIMIT) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "--max-line-bytes must be from 1 to "
                        + Utf8LineReader.MAX_LINE_BYTES_LIMIT + " (found " + maxLineBytes + ")");
            }
            TableDType dtype = TableDType.parse(to.dtype);
            long lines = JsonTexts.count(input, maxLineBytes, idField, textField);
            return to.build(parent.root, table -> {
                try (PollenRuntime runtime = PollenRuntime.builder(parent.root.catalog()).build();
                     TextEncoder encoder = TextEncoder.builder(runtime, encoderRef).maxBatch(batch).open();
                     JsonTexts texts = JsonTexts.open(input, maxLineBytes, idField, textField)) {
                    Progress progress = new Progress(parent.root.err, "encoding " + input.getFileName(), lines);
                    TextTables.encode(encoder, texts, table, Destination.indexOf(table), dtype, progress::update);
                    progress.finish();
                }
            });
        }
    }

    /**
     * Reads (id, text) pairs from a JSON-lines file, one line ahead: strict UTF-8 lines of at most
     * {@code --max-line-bytes} ({@link Utf8LineReader}), each one JSON object ({@link StrictJson}), naming the file
     * and line in errors.
     */
    private static final class JsonTexts implements java.util.Iterator<TextTables.IdText>, java.io.Closeable {
        private final Path file;
        private final Utf8LineReader reader;
        private final String idField;
        private final String textField;
        private TextTables.IdText next;

        private JsonTexts(Path file, Utf8LineReader reader, String idField, String textField) {
            this.file = file;
            this.reader = reader;
            this.idField = idField;
            this.textField = textField;
        }

        static JsonTexts open(Path file, int maxLineBytes, String idField, String textField) {
            JsonTexts texts = new JsonTexts(file, new Utf8LineReader(input(file), file.toString(), maxLineBytes),
                    idField, textField);
            try {
                texts.advance();
                return texts;
            } catch (RuntimeException e) {
                texts.close();
                throw e;
            }
        }

        /**
         * Reads the whole file once before the encoder is loaded, checking every line as the encoding will: a bad
         * line fails before any text is encoded, and the count drives the progress bar.
         *
         * @return the number of texts
         */
        static long count(Path file, int maxLineBytes, String idField, String textField) {
            try (JsonTexts texts = open(file, maxLineBytes, idField, textField)) {
                long n = 0;
                while (texts.hasNext()) {
                    texts.next();
                    n++;
                }
                return n;
            }
        }

        private static java.io.InputStream input(Path file) {
            try {
                return Files.newInputStream(file);
            } catch (java.nio.file.NoSuchFileException e) {
                throw new PollenException(ErrorCategory.NOT_FOUND, "input file does not exist: " + file, e);
            } catch (IOException e) {
                throw new PollenException(ErrorCategory.IO, "cannot read " + file + ": " + e.getMessage(), e);
            }
        }

        private void advance() {
            next = null;
            try {
                for (String line; (line = reader.next()) != null;) {
                    if (line.isBlank()) {
                        continue;
                    }
                    com.fasterxml.jackson.databind.JsonNode node = StrictJson.object(file + " line " + reader.line(),
                            line, "with the fields " + Echo.quote(idField) + " and " + Echo.quote(textField));
                    next = new TextTables.IdText(field(node, idField), field(node, textField));
                    return;
                }
            } catch (IOException e) {
                throw new PollenException(ErrorCategory.IO, "cannot read " + file + ": " + e.getMessage(), e);
            }
        }

        private String field(com.fasterxml.jackson.databind.JsonNode node, String name) {
            com.fasterxml.jackson.databind.JsonNode v = node.get(name);
            if (v == null || !(v.isTextual() || v.isIntegralNumber())) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, file + " line " + reader.line()
                        + ": field " + Echo.quote(name) + " must be a string (found " + StrictJson.show(v) + ")");
            }
            return v.asText();
        }

        @Override
        public boolean hasNext() {
            return next != null;
        }

        @Override
        public TextTables.IdText next() {
            if (next == null) {
                throw new java.util.NoSuchElementException();
            }
            TextTables.IdText current = next;
            advance();
            return current;
        }

        @Override
        public void close() {
            try {
                reader.close();
            } catch (IOException e) {
                throw new PollenException(ErrorCategory.IO, "cannot close " + file + ": " + e.getMessage(), e);
            }
        }
    }

    /** {@code pollen table similar TABLE ID}. */
    @Command(name = "similar", mixinStandardHelpOptions = true,
            description = "More like this: the rows most similar to a row, by exact top-k over the table.")
    static final class SimilarCmd implements Callable<Integer> {
        @ParentCommand
        TableCommand parent;

        @Parameters(index = "0", paramLabel = "TABLE", description = "Table ref, such as studio/content-embeddings.")
        String ref;
        @Parameters(index = "1", paramLabel = "ID", description = "The row to start from.")
        String id;
        @Option(names = {"-k", "--top"}, defaultValue = "10", description = "How many rows (default: 10).")
        int k;
        @Option(names = "--similarity", defaultValue = "cosine", description = "cosine or dot (default: cosine).")
        String similarity;

        @Override
        public Integer call() {
            Similarity sim = switch (similarity) {
                case "cosine" -> Similarity.COSINE;
                case "dot" -> Similarity.DOT;
                default -> throw new PollenException(ErrorCategory.INVALID_ARGUMENT,
                        "--similarity must be cosine or dot (found " + Echo.quote(similarity) + ")");
            };
            try (PollenRuntime runtime = PollenRuntime.builder(parent.root.catalog()).build();
                 TableLease lease = runtime.table(ArtifactRef.parse(ref))) {
                MappedEmbeddingTable table = lease.table();
                long row = table.idKind() == IdKind.STRING ? table.row(id) : table.row(parseLong(id));
                if (row < 0) {
                    throw new PollenException(ErrorCategory.NOT_FOUND, "id " + Echo.quote(id) + " is not in "
                            + lease.id());
                }
                float[] query = new float[table.dimension()];
                new RowView().wrap(table, row).copyTo(query, 0);
                TopK top = new TopK(k);
                table.topK(query, sim, top, row);
                for (int i = 0; i < top.size(); i++) {
                    com.fasterxml.jackson.databind.node.ObjectNode line = JSON.createObjectNode();
                    line.put("rank", i + 1).put("id", table.id(top.row(i))).put("score", top.score(i));
                    parent.root.out.println(line);
                }
            } finally {
                parent.root.out.flush();
            }
            return 0;
        }

        private static long parseLong(String id) {
            try {
                return Long.parseLong(id);
            } catch (NumberFormatException e) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "this table has long ids (found "
                        + Echo.quote(id) + ")");
            }
        }
    }
}
