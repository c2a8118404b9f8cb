package dev.pollen.catalog.fs;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.catalog.ArtifactId;
import dev.pollen.catalog.ArtifactKind;
import dev.pollen.catalog.ArtifactRef;
import dev.pollen.catalog.ArtifactValidator;
import dev.pollen.catalog.Attachment;
import dev.pollen.catalog.Catalog;
import dev.pollen.catalog.ConsumerRecord;
import dev.pollen.catalog.CatalogFiles;
import dev.pollen.catalog.Manifest;
import dev.pollen.catalog.ManifestSignature;
import dev.pollen.catalog.Names;
import dev.pollen.catalog.PublishRequest;
import dev.pollen.catalog.SigningKey;
import dev.pollen.catalog.Trust;
import dev.pollen.catalog.VerifyResult;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;

/**
 * The embedded default {@link Catalog}: a directory tree that can sit on local disk or shared storage.
 *
 * <pre>
 * root/
 *   .lock                          held (file lock + in-process lock) while choosing versions and moving aliases
 *   .staging/&lt;pid&gt;-&lt;uuid&gt;/        publishes in progress, each holding a lock on its .owner file
 *   .consumers/&lt;instance&gt;.json    running consumers and the versions they hold ({@link ConsumerRecord}), replaced
 *                                  atomically as they refresh, removed as they stop
 *   &lt;domain&gt;/&lt;name&gt;/
 *     aliases.json                 {"format": 2, "domain", "name", "aliases": {"prod": 3}, "checksum"}, replaced
 *                                  atomically
 *     .highest-version             {"format": 2, "domain", "name", "highestVersion": 4, "checksum"}: the highest
 *                                  version number ever assigned, so numbers are never reused
 *     &lt;version&gt;/                    appears in one atomic rename, complete and immutable
 *       manifest.json              every field, the payload's and attachments' SHA-256, and its own "checksum"
 *       model.onnx | table.bin     the payload
 *       tokenizer.json, ids.idx    attachments, if any, checksummed in the manifest
 *       signatures.json            Ed25519 signatures over the manifest, if signed; may be added later, the
 *                                  manifest never changes
 * </pre>
 *
 * <p>Every file but {@code .lock} and staging is checked before it is used: manifests, aliases and the version
 * record against their own {@code checksum} (SHA-256 of their {@linkplain Manifest#canonicalBytes() canonical
 * encoding}, see {@link ManifestCodec} and {@link CatalogRecords}); payloads and attachments against the manifest
 * by {@link #verify(ArtifactRef, Trust)} and by the runtime as it loads them; signatures against the
 * {@link Trust} in force. Catalogs written before format 2 (records without a checksum) are refused until
 * {@link #migrate()} seals them once.
 *
 * <p><b>Atomic publish.</b> The payload is copied into a private staging directory while its SHA-256 is computed,
 * fsynced, validated by the kind's {@link ArtifactValidator} (registered when the catalog is opened, see
 * {@link #open(Path, Map)}; Pollen's model validator loads the file with ONNX Runtime and compares its real inputs
 * and outputs with the declared signature), then, under the catalog lock, the version number is chosen
 * and recorded, the manifest (and its signature, when the request is signed) written and fsynced, and the
 * directory renamed into place with one {@code rename(2)}. A process killed at any point leaves either no version
 * or a complete one; stale staging directories are ignored by readers and swept by a later open once their owner
 * lock is free.
 *
 * <p>Search and lineage ({@link #search}, {@link #upstream}, {@link #downstream}) are {@link Catalog}'s, written
 * once over {@link #list()}, {@link #resolve} and {@link #describe}.
 *
 * <p>Thread-safe, also with several catalog objects on one root, and safe for several processes sharing one root
 * on a local POSIX file system. Network file systems are only as safe as their {@code rename} and {@code flock}.
 */
public final class FileSystemCatalog implements Catalog {
    private static final System.Logger LOG = System.getLogger(FileSystemCatalog.class.getName());
    static final String MANIFEST = "manifest.json";
    private static final String SIGNATURES = "signatures.json";
    static final String ALIASES = "aliases.json";
    static final String HIGHEST = ".highest-version";
    private static final String STAGING = ".staging";
    private static final String OWNER = ".owner";
    /** Staging directories younger than this are never swept: their publisher may not have locked them yet. */
    private static final long SWEEP_MIN_AGE_MILLIS = 60_000;

    private final Path root;
    private final Path stagingRoot;
    private final Path lockFile;
    private final Map<ArtifactKind, ArtifactValidator> validators;
    private final Clock clock;
    private final ReentrantLock localLock;

    /**
     * One in-process lock per catalog root: a JVM holds at most one {@link FileLock} on a file, so every catalog
     * object on the same root must queue on the same lock before taking the file lock.
     */
    private static final java.util.concurrent.ConcurrentHashMap<Path, ReentrantLock> ROOT_LOCKS =
            new java.util.concurrent.ConcurrentHashMap<>();

    private FileSystemCatalog(Path root, Map<ArtifactKind, ArtifactValidator> validators, Clock clock) {
        this.root = root.toAbsolutePath().normalize();
        this.stagingRoot = this.root.resolve(STAGING);
        this.lockFile = this.root.resolve(".lock");
        this.validators = new EnumMap<>(validators);
        this.clock = clock;
        try {
            Files.createDirectories(stagingRoot);
            this.localLock = ROOT_LOCKS.computeIfAbsent(this.root.toRealPath(), r -> new ReentrantLock());
        } catch (IOException e) {
            throw io("cannot create catalog directory " + this.root, e);
        }
        sweepAbandonedStaging();
    }

    /**
     * Opens (creating if needed) a catalog with no validators: it lists, searches, resolves, describes, verifies,
     * signs, moves aliases and migrates, and refuses to publish ({@code INVALID_ARGUMENT}), since a kind without a
     * validator cannot be published. Enough for readers such as a {@code PollenRuntime}; publishers use
     * {@link #open(Path, Map)}.
     *
     * @param root the catalog directory
     * @return the catalog
     */
    public static FileSystemCatalog open(Path root) {
        return builder(root).build();
    }

    /**
     * Opens (creating if needed) a catalog that publishes the kinds it has a validator for. The catalog package knows
     * no file format, so whoever assembles the catalog registers them; Pollen's own, which check exactly what the
     * runtime will load (ONNX Runtime loads a model and its real signature matches the declared one; a table opens
     * with every checksum verified), are {@code dev.pollen.runtime.PollenRuntime.validators()}:
     * {@code FileSystemCatalog.open(dir, PollenRuntime.validators())}.
     *
     * @param root the catalog directory
     * @param validators one validator per kind that may be published; other kinds are refused
     * @return the catalog
     */
    public static FileSystemCatalog open(Path root, Map<ArtifactKind, ? extends ArtifactValidator> validators) {
        Builder b = builder(root);
        Objects.requireNonNull(validators, "validators").forEach(b::validator);
        return b.build();
    }

    /**
     * @param root the catalog directory
     * @return a builder with no validators; a kind without a validator cannot be published
     */
    public static Builder builder(Path root) {
        return new Builder(root);
    }

    /** @return the catalog's root directory */
    public Path root() {
        return root;
    }

    // ---------------------------------------------------------------------------------------------- publish

    @Override
    public Manifest publish(PublishRequest request) {
        return publish(request, 0);
    }

    @Override
    public Manifest publish(PublishRequest request, long version) {
        Objects.requireNonNull(request, "request");
        if (version < 0) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT,
                    "version to publish must be at least 1 (found " + version + ")");
        }
        String what = request.domain() + "/" + request.name();
        ArtifactValidator validator = validators.get(request.kind());
        if (validator == null) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "cannot publish " + what + ": this catalog has"
                    + " no validator for artifacts of kind '" + request.kind() + "' (it publishes "
                    + (validators.isEmpty() ? "no kind" : validators.keySet()) + "); open it with the validators of the kinds it publishes, such as"
                    + " FileSystemCatalog.open(root, PollenRuntime.validators())");
        }
        if (version > 0) {
            checkVersionUnused(request.domain(), request.name(), version);
        }
        Path staged = stagingRoot.resolve(ProcessHandle.current().pid() + "-" + UUID.randomUUID());
        try (FileChannel owner = openStaging(staged)) {
            assert owner.isOpen() : "the owner lock is held for the whole publish";
            Path payload = staged.resolve(request.fileName());
            String[] digest = new String[1];
            long size = copyAndHash(openPayload(request), payload, digest);
            String payloadSha = digest[0];
            List<Attachment> attachments = new ArrayList<>();
            for (Map.Entry<String, Path> a : request.attachments().entrySet()) {
                InputStream in = openFile(a.getValue(), "attachment '" + a.getKey() + "' to publish with " + what);
                long aSize = copyAndHash(in, staged.resolve(a.getKey()), digest);
                attachments.add(new Attachment(a.getKey(), aSize, digest[0]));
            }
            Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
            Manifest draft = new Manifest(request.domain(), request.name(), Math.max(version, 1), request.kind(),
                    request.owner(), request.description(), request.tags(), now, request.fileName(), size, payloadSha,
                    request.signature(), request.lineage(), request.properties(), attachments);
            validator.validate(draft, payload);
            return withLock(() -> commit(draft, version, staged, request.signingKey()));
        } catch (IOException e) {
            throw io("cannot publish " + what, e);
        } finally {
            deleteTree(staged);
        }
    }

    /**
     * Creates a staging directory and locks its {@code .owner} file for the whole publish, so a sweep by another
     * process (which may not see this PID) can tell the publish is alive.
     */
    private static FileChannel openStaging(Path staged) throws IOException {
        Files.createDirectories(staged);
        FileChannel owner = FileChannel.open(staged.resolve(OWNER), StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE);
        try {
            owner.lock();
            return owner;
        } catch (IOException | RuntimeException e) {
            owner.close();
            throw e;
        }
    }

    private Manifest commit(Manifest draft, long requested, Path staged, SigningKey signingKey) throws IOException {
        Path artifactDir = artifactDir(draft.domain(), draft.name());
        Files.createDirectories(artifactDir);
        long highest = highestVersion(artifactDir);
        long version;
        if (requested > 0) {
            checkVersionUnused(draft.domain(), draft.name(), requested);
            version = requested;
        } else {
            version = highest + 1;
        }
        Manifest manifest = new Manifest(draft.domain(), draft.name(), version, draft.kind(), draft.owner(),
                draft.description(), draft.tags(), draft.createdAt(), draft.file(), draft.sizeBytes(), draft.sha256(),
                draft.signature(), draft.lineage(), draft.properties(), draft.attachments());
        writeDurably(staged.resolve(MANIFEST), ManifestCodec.write(manifest).getBytes(StandardCharsets.UTF_8));
        if (signingKey != null) {
            writeDurably(staged.resolve(SIGNATURES), CatalogRecords.writeSignatures(List.of(signingKey.sign(manifest))));
        }
        Files.delete(staged.resolve(OWNER));
        fsyncDirectory(staged);
        if (version > highest) {
            replaceAtomically(artifactDir.resolve(HIGHEST), CatalogRecords.writeHighest(draft.domain(), draft.name(),
                    version));
        }
        Path target = artifactDir.resolve(Long.toString(version));
        try {
            Files.move(staged, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException | DirectoryNotEmptyException e) {
            throw new PollenException(ErrorCategory.ALREADY_EXISTS, "version " + version + " of "
                    + draft.domain() + "/" + draft.name() + " already exists; versions are immutable", e);
        }
        fsyncDirectory(artifactDir);
        LOG.log(System.Logger.Level.DEBUG, "published {0} ({1} bytes, sha256 {2})", manifest.id(),
                manifest.sizeBytes(), manifest.sha256());
        return manifest;
    }

    private void checkVersionUnused(String domain, String name, long version) {
        Path dir = artifactDir(domain, name);
        long highest = highestVersion(dir);
        if (Files.isDirectory(dir.resolve(Long.toString(version)))) {
            throw new PollenException(ErrorCategory.ALREADY_EXISTS, "version " + version + " of " + domain + "/"
                    + name + " already exists; versions are immutable, publish a new one");
        }
        if (version <= highest) {
            throw new PollenException(ErrorCategory.ALREADY_EXISTS, "version " + version + " of " + domain + "/"
                    + name + " was used before and version numbers are never reused (highest so far " + highest + ")");
        }
    }

    private static long copyAndHash(InputStream source, Path target, String[] digestOut) throws IOException {
        MessageDigest sha = sha256();
        long size = 0;
        try (InputStream in = source;
             FileChannel out = FileChannel.open(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            byte[] chunk = new byte[1 << 20];
            int n;
            while ((n = in.read(chunk)) > 0) {
                sha.update(chunk, 0, n);
                ByteBuffer buf = ByteBuffer.wrap(chunk, 0, n);
                while (buf.hasRemaining()) {
                    out.write(buf);
                }
                size += n;
            }
            out.force(true);
        }
        digestOut[0] = HexFormat.of().formatHex(sha.digest());
        return size;
    }

    private static InputStream openPayload(PublishRequest request) throws IOException {
        if (request.payloadFile() == null) {
            return new java.io.FilterInputStream(request.payloadStream()) {
                @Override
                public void close() {
                    // the caller owns the stream
                }
            };
        }
        return openFile(request.payloadFile(), "payload file to publish as " + request.domain() + "/"
                + request.name());
    }

    private static InputStream openFile(Path file, String what) throws IOException {
        try {
            return Files.newInputStream(file);
        } catch (NoSuchFileException e) {
            throw new PollenException(ErrorCategory.NOT_FOUND, what + " does not exist: " + file, e);
        }
    }

    // ---------------------------------------------------------------------------------------------- reading

    @Override
    public List<Manifest> list() {
        List<Manifest> all = new ArrayList<>();
        for (Path domainDir : children(root)) {
            for (Path artifactDir : children(domainDir)) {
                for (long v : versions(artifactDir)) {
                    Path file = artifactDir.resolve(Long.toString(v)).resolve(MANIFEST);
                    try {
                        all.add(readManifest(domainDir.getFileName().toString(),
                                artifactDir.getFileName().toString(), v));
                    } catch (PollenException e) {
                        LOG.log(System.Logger.Level.WARNING, "skipping unreadable version " + file + ": "
                                + e.getMessage());
                    }
                }
            }
        }
        all.sort(Comparator.comparing(Manifest::domain).thenComparing(Manifest::name)
                .thenComparingLong(Manifest::version));
        return all;
    }

    @Override
    public ArtifactId resolve(ArtifactRef ref) {
        Path dir = artifactDir(ref.domain(), ref.name());
        List<Long> versions = versions(dir);
        if (versions.isEmpty()) {
            throw new PollenException(ErrorCategory.NOT_FOUND, "no artifact " + ref.qualifiedName()
                    + " in catalog " + root + " (ref '" + ref + "')");
        }
        if (ref.isExact()) {
            if (!versions.contains(ref.version())) {
                throw new PollenException(ErrorCategory.NOT_FOUND, "no version " + ref.version() + " of "
                        + ref.qualifiedName() + " (versions: " + versions + ")");
            }
            return new ArtifactId(ref.domain(), ref.name(), ref.version());
        }
        if (ref.alias() != null) {
            Map<String, Long> aliases = aliases(ref.domain(), ref.name());
            Long v = aliases.get(ref.alias());
            if (v == null) {
                throw new PollenException(ErrorCategory.NOT_FOUND, "no alias '" + ref.alias() + "' for "
                        + ref.qualifiedName() + " (aliases: " + aliases.keySet() + ")");
            }
            return new ArtifactId(ref.domain(), ref.name(), v);
        }
        return new ArtifactId(ref.domain(), ref.name(), versions.get(versions.size() - 1));
    }

    @Override
    public Manifest describe(ArtifactRef ref) {
        ArtifactId id = resolve(ref);
        return readManifest(id.domain(), id.name(), id.version());
    }

    @Override
    public Path payload(ArtifactId id) {
        Manifest m = describe(id.ref());
        return versionDir(id).resolve(m.file());
    }

    @Override
    public Path attachment(ArtifactId id, String fileName) {
        Manifest m = describe(id.ref());
        if (m.attachment(fileName) == null) {
            throw new PollenException(ErrorCategory.NOT_FOUND, id + " has no attachment '" + fileName
                    + "' (it has " + m.attachments().stream().map(Attachment::file).toList() + ")");
        }
        return versionDir(id).resolve(fileName);
    }

    // ---------------------------------------------------------------------------------------------- aliases

    @Override
    public void setAlias(ArtifactId id, String alias) {
        Names.checkAlias(alias);
        resolve(id.ref());
        withLock(() -> {
            Map<String, Long> aliases = new TreeMap<>(aliases(id.domain(), id.name()));
            aliases.put(alias, id.version());
            replaceAtomically(artifactDir(id.domain(), id.name()).resolve(ALIASES),
                    CatalogRecords.writeAliases(id.domain(), id.name(), aliases));
            return null;
        });
    }

    /**
     * @throws PollenException {@code CHECKSUM_MISMATCH} when {@code aliases.json} was changed outside Pollen (so a
     *     tampered file never makes a ref select another version), {@code MALFORMED_MANIFEST} when it does not parse
     *     or predates format 2
     */
    @Override
    public void recordConsumer(ConsumerRecord record) {
        ConsumerFiles.write(root, record);
    }

    @Override
    public void removeConsumer(String instance) {
        ConsumerFiles.remove(root, instance);
    }

    @Override
    public List<ConsumerRecord> consumers() {
        return ConsumerFiles.read(root);
    }

    @Override
    public Map<String, Long> aliases(String domain, String name) {
        Path file = artifactDir(domain, name).resolve(ALIASES);
        String text = readText(file);
        return text == null ? Map.of() : CatalogRecords.readAliases(file.toString(), domain, name, text);
    }

    /** @return the file's text, or {@code null} when it does not exist */
    static String readText(Path file) {
        try {
            return Files.readString(file);
        } catch (NoSuchFileException e) {
            return null;
        } catch (java.nio.charset.MalformedInputException e) {
            throw new PollenException(ErrorCategory.MALFORMED_MANIFEST, file + ": must be UTF-8 text", e);
        } catch (IOException e) {
            throw io("cannot read " + file, e);
        }
    }

    // ---------------------------------------------------------------------------------------------- signatures

    @Override
    public List<ManifestSignature> signatures(ArtifactId id) {
        resolve(id.ref());
        Path file = versionDir(id).resolve(SIGNATURES);
        String text = readText(file);
        return text == null ? List.of() : CatalogRecords.readSignatures(file.toString(), text);
    }

    @Override
    public ManifestSignature sign(ArtifactId id, SigningKey key) {
        Objects.requireNonNull(key, "key");
        Manifest m = describe(id.ref());
        String problem = verifyFiles(id, m);
        if (problem != null) {
            throw new PollenException(ErrorCategory.CHECKSUM_MISMATCH, "cannot sign " + id + ": " + problem);
        }
        ManifestSignature signature = key.sign(m);
        withLock(() -> {
            List<ManifestSignature> all = new ArrayList<>(signatures(id));
            all.removeIf(s -> s.keyId().equals(signature.keyId()));
            all.add(signature);
            replaceAtomically(versionDir(id).resolve(SIGNATURES), CatalogRecords.writeSignatures(all));
            return null;
        });
        LOG.log(System.Logger.Level.DEBUG, "signed {0} with key {1}", id, signature.keyId());
        return signature;
    }

    // ---------------------------------------------------------------------------------------------- verify

    @Override
    public List<VerifyResult> verify(ArtifactRef ref, Trust trust) {
        Objects.requireNonNull(trust, "trust");
        List<ArtifactId> ids = new ArrayList<>();
        List<Path> artifacts = new ArrayList<>();
        if (ref != null) {
            ids.add(resolve(ref));
            artifacts.add(artifactDir(ref.domain(), ref.name()));
        } else {
            for (Path domainDir : children(root)) {
                for (Path artifactDir : children(domainDir)) {
                    artifacts.add(artifactDir);
                    for (long v : versions(artifactDir)) {
                        ids.add(new ArtifactId(domainDir.getFileName().toString(),
                                artifactDir.getFileName().toString(), v));
                    }
                }
            }
        }
        List<VerifyResult> results = new ArrayList<>();
        for (ArtifactId id : ids) {
            results.add(verifyOne(id, trust));
        }
        for (Path artifactDir : artifacts) {
            VerifyResult r = verifyRecords(artifactDir);
            if (r != null) {
                results.add(r);
            }
        }
        return results;
    }

    private VerifyResult verifyOne(ArtifactId id, Trust trust) {
        try {
            Manifest m = readManifest(id.domain(), id.name(), id.version());
            String problem = verifyFiles(id, m);
            if (problem != null) {
                return VerifyResult.failed(id, ErrorCategory.CHECKSUM_MISMATCH, problem);
            }
            List<ManifestSignature> signatures = signatures(id);
            return VerifyResult.sound(id, trust.check(m, signatures));
        } catch (PollenException e) {
            return VerifyResult.failed(id, e.category(), e.getMessage());
        }
    }

    /** @return the first payload or attachment that disagrees with the manifest, or {@code null} */
    String verifyFiles(ArtifactId id, Manifest m) {
        String problem = verifyFile("payload", versionDir(id).resolve(m.file()), m.sizeBytes(), m.sha256());
        for (int i = 0; problem == null && i < m.attachments().size(); i++) {
            Attachment a = m.attachments().get(i);
            problem = verifyFile("attachment", versionDir(id).resolve(a.file()), a.sizeBytes(), a.sha256());
        }
        return problem;
    }

    /**
     * Checks an artifact's aliases (checksum, and that each selects an existing version) and its version record
     * (checksum, present once a version exists, not below an existing version).
     *
     * @return the result, or {@code null} for a directory with neither versions nor records
     */
    private VerifyResult verifyRecords(Path artifactDir) {
        String domain = artifactDir.getParent().getFileName().toString();
        String name = artifactDir.getFileName().toString();
        List<Long> versions = versions(artifactDir);
        boolean hasAliases = Files.exists(artifactDir.resolve(ALIASES));
        if (versions.isEmpty() && !hasAliases && !Files.exists(artifactDir.resolve(HIGHEST))) {
            return null;
        }
        String subject = domain + "/" + name + " (" + ALIASES + ", " + HIGHEST + ")";
        try {
            for (Map.Entry<String, Long> a : aliases(domain, name).entrySet()) {
                if (!versions.contains(a.getValue())) {
                    return VerifyResult.ofRecords(subject, ErrorCategory.MALFORMED_MANIFEST, "aliases "
                            + artifactDir.resolve(ALIASES) + ": alias '" + a.getKey() + "' must select an existing"
                            + " version (found " + a.getValue() + "; versions " + versions + ")");
                }
            }
            Path record = artifactDir.resolve(HIGHEST);
            String text = readText(record);
            if (text == null) {
                return VerifyResult.ofRecords(subject, ErrorCategory.MALFORMED_MANIFEST, versions.isEmpty() ? null
                        : "version record " + record + " is missing while versions " + versions + " exist");
            }
            long highest = CatalogRecords.readHighest(record.toString(), domain, name, text);
            if (!versions.isEmpty() && highest < versions.get(versions.size() - 1)) {
                return VerifyResult.ofRecords(subject, ErrorCategory.MALFORMED_MANIFEST, "version record " + record
                        + ": highest version must be at least the highest existing version "
                        + versions.get(versions.size() - 1) + " (found " + highest + ")");
            }
            return VerifyResult.ofRecords(subject, null, null);
        } catch (PollenException e) {
            return VerifyResult.ofRecords(subject, e.category(), e.getMessage());
        }
    }

    // ---------------------------------------------------------------------------------------------- migrate

    /**
     * What {@link #migrate()} did.
     *
     * @param changed one line per file rewritten or created
     * @param refused one line per file left as it was because it could not be sealed (damaged, malformed)
     */
    public record Migration(List<String> changed, List<String> refused) {
        /** Copies the lists. */
        public Migration {
            changed = List.copyOf(changed);
            refused = List.copyOf(refused);
        }
    }

    /**
     * Seals a catalog written before format 2, once: every format 1 manifest whose payload and attachments still
     * match it is rewritten in format 2 with its own checksum (same fields, same creation time; it carried no
     * signature), every format 1 {@code aliases.json} and {@code .highest-version} with theirs, and a missing version
     * record is rebuilt from the versions present. Each file is replaced atomically, under the catalog lock.
     * Idempotent: format 2 files are only checked, and a second run changes nothing.
     *
     * <p>A version whose files do not match its manifest, or whose manifest does not parse, is left unsealed (and so
     * stays unusable) and reported. Migration vouches only that nothing changed from now on: it cannot tell whether
     * a format 1 manifest was edited before.
     *
     * @return what was changed and what was refused
     */
    public Migration migrate() {
        List<String> changed = new ArrayList<>();
        List<String> refused = new ArrayList<>();
        withLock(() -> {
            for (Path domainDir : children(root)) {
                for (Path artifactDir : children(domainDir)) {
                    CatalogMigration.migrateArtifact(this, artifactDir, changed, refused);
                }
            }
            return null;
        });
        return new Migration(changed, refused);
    }

    /** @return {@code null} when the file has the size and checksum its manifest says, else the problem */
    private static String verifyFile(String what, Path file, long expectedSize, String expectedSha) {
        try {
            return CatalogFiles.mismatch(file, expectedSize, expectedSha, what);
        } catch (IOException e) {
            return "cannot read " + what + " " + file + ": " + e;
        }
    }

    // ---------------------------------------------------------------------------------------------- file helpers

    /**
     * @param id an exact version
     * @return its directory (which exists only once published)
     */
    Path versionDir(ArtifactId id) {
        return artifactDir(id.domain(), id.name()).resolve(Long.toString(id.version()));
    }

    private Path artifactDir(String domain, String name) {
        return root.resolve(Names.checkName("domain", domain)).resolve(Names.checkName("artifact name", name));
    }

    Manifest readManifest(String domain, String name, long version) {
        Path file = artifactDir(domain, name).resolve(Long.toString(version)).resolve(MANIFEST);
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new PollenException(ErrorCategory.MALFORMED_MANIFEST, "manifest " + file + ": is missing", e);
        } catch (IOException e) {
            throw io("cannot read " + file, e);
        }
        Manifest m = ManifestCodec.read(file.toString(), text);
        if (!m.domain().equals(domain) || !m.name().equals(name) || m.version() != version) {
            throw new PollenException(ErrorCategory.MALFORMED_MANIFEST, "manifest " + file + ": fields 'domain',"
                    + " 'name' and 'version' must match its directory " + domain + "/" + name + "@" + version
                    + " (found " + m.id() + ")");
        }
        return m;
    }

    private static List<Path> children(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                if (!n.startsWith(".") && Files.isDirectory(p) && n.matches(Names.NAME_RULE)) {
                    out.add(p);
                }
            }
        } catch (IOException e) {
            throw io("cannot list " + dir, e);
        }
        out.sort(Comparator.naturalOrder());
        return out;
    }

    static List<Long> versions(Path artifactDir) {
        if (!Files.isDirectory(artifactDir)) {
            return List.of();
        }
        List<Long> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(artifactDir)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                if (n.matches("[1-9][0-9]{0,17}") && Files.isDirectory(p)) {
                    out.add(Long.parseLong(n));
                }
            }
        } catch (IOException e) {
            throw io("cannot list " + artifactDir, e);
        }
        out.sort(Comparator.naturalOrder());
        return out;
    }

    /**
     * @return the highest version ever assigned: the version record, which must exist once a version does (so a
     *     deleted record can never let a number be reused), and not below any existing version
     */
    private static long highestVersion(Path artifactDir) {
        List<Long> versions = versions(artifactDir);
        long highest = versions.isEmpty() ? 0 : versions.get(versions.size() - 1);
        Path file = artifactDir.resolve(HIGHEST);
        String text = readText(file);
        if (text == null) {
            if (!versions.isEmpty()) {
                throw new PollenException(ErrorCategory.MALFORMED_MANIFEST, "version record " + file + ": is missing"
                        + " while versions " + versions + " exist, so the numbers used before cannot be known; run"
                        + " 'pollen catalog migrate' to rebuild it from the versions present");
            }
            return highest;
        }
        return Math.max(highest, CatalogRecords.readHighest(file.toString(),
                artifactDir.getParent().getFileName().toString(), artifactDir.getFileName().toString(), text));
    }

    private interface LockedAction<T> {
        T run() throws IOException;
    }

    private <T> T withLock(LockedAction<T> action) {
        localLock.lock();
        try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            FileLock processLock = ch.lock();
            try {
                return action.run();
            } finally {
                processLock.release();
            }
        } catch (IOException e) {
            throw io("catalog " + root + " update failed", e);
        } finally {
            localLock.unlock();
        }
    }

    private static void writeDurably(Path file, byte[] bytes) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer buf = ByteBuffer.wrap(bytes);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(true);
        }
    }

    static void replaceAtomically(Path file, byte[] bytes) throws IOException {
        Path tmp = file.resolveSibling("." + file.getFileName() + "." + UUID.randomUUID() + ".tmp");
        try {
            writeDurably(tmp, bytes);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("the file system of " + file + " cannot rename atomically", e);
        } finally {
            Files.deleteIfExists(tmp);
        }
        fsyncDirectory(file.getParent());
    }

    private static void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    /**
     * Removes staging directories whose publisher is gone: their {@code .owner} file exists and its lock can be
     * taken (the kernel drops a dead process's locks), or it is missing and the directory is over a minute old
     * (a publisher creates and locks it right after the directory). Runs under the catalog lock so it never races
     * a commit's rename.
     */
    private void sweepAbandonedStaging() {
        withLock(() -> {
            long cutoff = System.currentTimeMillis() - SWEEP_MIN_AGE_MILLIS;
            for (Path p : stagingEntries()) {
                boolean hasOwner = Files.exists(p.resolve(OWNER));
                boolean young = Files.getLastModifiedTime(p).toMillis() > cutoff;
                if (hasOwner ? !ownerAlive(p) : !young) {
                    deleteTree(p);
                }
            }
            return null;
        });
    }

    private static boolean ownerAlive(Path staged) {
        Path owner = staged.resolve(OWNER);
        try (FileChannel ch = FileChannel.open(owner, StandardOpenOption.WRITE)) {
            FileLock probe = ch.tryLock();
            if (probe == null) {
                return true;
            }
            probe.release();
            return false;
        } catch (java.nio.channels.OverlappingFileLockException heldByThisJvm) {
            return true;
        } catch (IOException e) {
            return true;
        }
    }

    private List<Path> stagingEntries() {
        try (Stream<Path> s = Files.list(stagingRoot)) {
            return s.toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot remove staging directory " + dir + ": " + e);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    private static PollenException io(String message, IOException e) {
        return new PollenException(ErrorCategory.IO, message + ": " + e, e);
    }

    /** Builder for a catalog with chosen validators and clock. */
    public static final class Builder {
        private final Path root;
        private final Map<ArtifactKind, ArtifactValidator> validators = new EnumMap<>(ArtifactKind.class);
        private Clock clock = Clock.systemUTC();

        private Builder(Path root) {
            this.root = Objects.requireNonNull(root, "root");
        }

        /**
         * @param kind the kind to validate
         * @param validator runs on every staged payload of that kind before it becomes visible
         * @return this
         */
        public Builder validator(ArtifactKind kind, ArtifactValidator validator) {
            validators.put(kind, Objects.requireNonNull(validator, "validator"));
            return this;
        }

        /**
         * @param clock source of creation times
         * @return this
         */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** @return the opened catalog */
        public FileSystemCatalog build() {
            return new FileSystemCatalog(root, validators, clock);
        }
    }
}
