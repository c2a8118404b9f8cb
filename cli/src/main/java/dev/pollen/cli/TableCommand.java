package dev.pollen.cli;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.catalog.ArtifactRef;
import dev.pollen.catalog.Catalog;
import dev.pollen.catalog.Manifest;
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

        void check() {
            if (publish == null && out == null) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "say where the table goes: --publish "
                        + "DOMAIN/NAME, --out FILE, or both");
            }
            if (publish != null && (owner == null || owner.isBlank())) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "--publish needs --owner");
            }
            if (publish != null && publish.split("/").length != 2) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "--publish must be DOMAIN/NAME (found '"
                        + publish + "')");
            }
        }

        /** @return the table file to write: --out, or a file in a fresh temporary directory */
        Path tableFile() throws IOException {
            return out != null ? out : Files.createTempDirectory("pollen-table").resolve(TableArtifacts.PAYLOAD_FILE);
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
                    deleteTree(table.getParent());
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
                    deleteTree(table.getParent());
                }
            }
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
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "--format must be csv, npy or fvecs (found '"
                        + format + "')");
            }
        }

        private static long parseLongId(VectorSource source) {
            try {
                return Long.parseLong(source.id());
            } catch (NumberFormatException e) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "row " + source.row() + ": --id-kind long"
                        + " needs integer ids (found '" + source.id() + "')");
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
        @Mixin
        Destination to;

        @Override
        public Integer call() throws IOException {
            to.check();
            if (!"string".equals(to.idKind)) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "table encode writes string ids (found"
                        + " --id-kind " + to.idKind + ")");
            }
            long lines;
            try (Stream<String> all = Files.lines(input)) {
                lines = all.filter(l -> !l.isBlank()).count();
            } catch (java.nio.file.NoSuchFileException e) {
                throw new PollenException(ErrorCategory.NOT_FOUND, "input file does not exist: " + input, e);
            }
            return to.build(parent.root, table -> {
                try (PollenRuntime runtime = PollenRuntime.builder(parent.root.catalog()).build();
                     TextEncoder encoder = TextEncoder.builder(runtime, encoderRef).maxBatch(batch).open();
                     java.io.BufferedReader reader = Files.newBufferedReader(input)) {
                    Progress progress = new Progress(parent.root.err, "encoding " + input.getFileName(), lines);
                    TextTables.encode(encoder, new JsonTexts(input, reader, idField, textField), table,
                            Destination.indexOf(table), TableDType.parse(to.dtype), progress::update);
                    progress.finish();
                }
            });
        }
    }

    /** Reads (id, text) pairs from JSON lines, one line ahead, naming the file and line in errors. */
    private static final class JsonTexts implements java.util.Iterator<TextTables.IdText> {
        private final Path file;
        private final java.io.BufferedReader reader;
        private final String idField;
        private final String textField;
        private TextTables.IdText next;
        private long lineNo;

        JsonTexts(Path file, java.io.BufferedReader reader, String idField, String textField) {
            this.file = file;
            this.reader = reader;
            this.idField = idField;
            this.textField = textField;
            advance();
        }

        private void advance() {
            next = null;
            try {
                for (String line; (line = reader.readLine()) != null;) {
                    lineNo++;
                    if (line.isBlank()) {
                        continue;
                    }
                    com.fasterxml.jackson.databind.JsonNode node;
                    try {
                        node = JSON.readTree(line);
                    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                        throw bad("must be a JSON object (" + e.getOriginalMessage() + ")");
                    }
                    if (node == null || !node.isObject()) {
                        throw bad("must be a JSON object");
                    }
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
                throw bad("field '" + name + "' must be a string (found " + (v == null ? "nothing" : v) + ")");
            }
            return v.asText();
        }

        private PollenException bad(String rule) {
            return new PollenException(ErrorCategory.INVALID_ARGUMENT, file + " line " + lineNo + ": " + rule);
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
                        "--similarity must be cosine or dot (found '" + similarity + "')");
            };
            try (PollenRuntime runtime = PollenRuntime.builder(parent.root.catalog()).build();
                 TableLease lease = runtime.table(ArtifactRef.parse(ref))) {
                MappedEmbeddingTable table = lease.table();
                long row = table.idKind() == IdKind.STRING ? table.row(id) : table.row(parseLong(id));
                if (row < 0) {
                    throw new PollenException(ErrorCategory.NOT_FOUND, "id '" + id + "' is not in " + lease.id());
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
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "this table has long ids (found '" + id
                        + "')");
            }
        }
    }
}
