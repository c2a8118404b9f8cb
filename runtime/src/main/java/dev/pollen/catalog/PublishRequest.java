package dev.pollen.catalog;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything needed to publish a new version: the manifest fields a publisher chooses and the payload. The catalog
 * assigns the version, the creation time, the size and the checksum. Built with {@link #builder(String, String,
 * ArtifactKind)}; {@link Builder#build()} checks every setting.
 */
public final class PublishRequest {
    /** File names a version directory reserves for the catalog: no payload or attachment may take them. */
    public static final List<String> RESERVED_FILE_NAMES = List.of("manifest.json", "signatures.json");

    private final String domain;
    private final String name;
    private final ArtifactKind kind;
    private final String owner;
    private final String description;
    private final List<String> tags;
    private final Signature signature;
    private final Lineage lineage;
    private final Map<String, String> properties;
    private final Path payloadFile;
    private final InputStream payloadStream;
    private final String fileName;
    private final Map<String, Path> attachments;
    private final SigningKey signingKey;

    private PublishRequest(Builder b) {
        this.domain = b.domain;
        this.name = b.name;
        this.kind = b.kind;
        this.owner = b.owner;
        this.description = b.description;
        this.tags = List.copyOf(b.tags);
        this.signature = b.signature;
        this.lineage = new Lineage(b.producedBy, b.derivedFrom);
        this.properties = Map.copyOf(b.properties);
        this.payloadFile = b.payloadFile;
        this.payloadStream = b.payloadStream;
        this.fileName = b.fileName != null ? b.fileName : (kind == ArtifactKind.MODEL ? "model.onnx" : "table.bin");
        this.attachments = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(b.attachments));
        this.signingKey = b.signingKey;
    }

    /**
     * @param domain the owning domain
     * @param name the artifact name
     * @param kind model or table
     * @return a builder
     */
    public static Builder builder(String domain, String name, ArtifactKind kind) {
        return new Builder(domain, name, kind);
    }

    /** @return the domain */
    public String domain() {
        return domain;
    }

    /** @return the artifact name */
    public String name() {
        return name;
    }

    /** @return the kind */
    public ArtifactKind kind() {
        return kind;
    }

    /** @return the owner */
    public String owner() {
        return owner;
    }

    /** @return the description */
    public String description() {
        return description;
    }

    /** @return the tags */
    public List<String> tags() {
        return tags;
    }

    /** @return the declared signature */
    public Signature signature() {
        return signature;
    }

    /** @return the lineage */
    public Lineage lineage() {
        return lineage;
    }

    /** @return the free properties */
    public Map<String, String> properties() {
        return properties;
    }

    /** @return the payload file, or {@code null} when the payload is a stream */
    public Path payloadFile() {
        return payloadFile;
    }

    /** @return the payload stream, or {@code null} when the payload is a file */
    public InputStream payloadStream() {
        return payloadStream;
    }

    /** @return the payload's file name inside the version directory */
    public String fileName() {
        return fileName;
    }

    /** @return attachment file name to the file to copy, in the order they were added */
    public Map<String, Path> attachments() {
        return attachments;
    }

    /** @return the key that signs the new version as it is published, or {@code null} to publish it unsigned */
    public SigningKey signingKey() {
        return signingKey;
    }

    /** Fluent, checked construction of a {@link PublishRequest}. Not thread-safe. */
    public static final class Builder {
        private final String domain;
        private final String name;
        private final ArtifactKind kind;
        private String owner;
        private String description = "";
        private final List<String> tags = new ArrayList<>();
        private Signature signature;
        private String producedBy;
        private final List<ArtifactRef> derivedFrom = new ArrayList<>();
        private final Map<String, String> properties = new LinkedHashMap<>();
        private Path payloadFile;
        private InputStream payloadStream;
        private String fileName;
        private final Map<String, Path> attachments = new LinkedHashMap<>();
        private SigningKey signingKey;

        private Builder(String domain, String name, ArtifactKind kind) {
            this.domain = Names.checkName("domain", domain);
            this.name = Names.checkName("artifact name", name);
            if (kind == null) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "artifact kind must be given");
            }
            this.kind = kind;
        }

        /**
         * @param owner who answers for the artifact
         * @return this
         */
        public Builder owner(String owner) {
            this.owner = owner;
            return this;
        }

        /**
         * @param description what the artifact is
         * @return this
         */
        public Builder description(String description) {
            this.description = description == null ? "" : description;
            return this;
        }

        /**
         * @param tag a search tag
         * @return this
         */
        public Builder tag(String tag) {
            this.tags.add(tag);
            return this;
        }

        /**
         * @param signature the declared inputs and outputs, checked against the payload before it becomes visible
         * @return this
         */
        public Builder signature(Signature signature) {
            this.signature = signature;
            return this;
        }

        /**
         * @param producedBy a producing artifact's ref or a description of the producing job
         * @return this
         */
        public Builder producedBy(String producedBy) {
            this.producedBy = producedBy;
            return this;
        }

        /**
         * @param parent an exact ref this artifact was derived from
         * @return this
         */
        public Builder derivedFrom(ArtifactRef parent) {
            this.derivedFrom.add(parent);
            return this;
        }

        /**
         * @param key a property name such as {@code heldout.auc}
         * @param value its value
         * @return this
         */
        public Builder property(String key, String value) {
            this.properties.put(key, value);
            return this;
        }

        /**
         * @param file the payload to copy into the catalog
         * @return this
         */
        public Builder payload(Path file) {
            this.payloadFile = file;
            this.payloadStream = null;
            return this;
        }

        /**
         * @param stream the payload, read to its end; the caller closes it
         * @return this
         */
        public Builder payload(InputStream stream) {
            this.payloadStream = stream;
            this.payloadFile = null;
            return this;
        }

        /**
         * @param fileName the payload's file name in the version directory (default {@code model.onnx} or
         *     {@code table.bin})
         * @return this
         */
        public Builder fileName(String fileName) {
            this.fileName = fileName;
            return this;
        }

        /**
         * Adds a file stored beside the payload, checksummed and verified like it (a tokenizer, an id index).
         *
         * @param fileName its file name in the version directory; same rules as the payload's
         * @param file the file to copy into the catalog
         * @return this
         */
        public Builder attachment(String fileName, Path file) {
            if (attachments.put(fileName, file) != null) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT,
                        "attachment file names must be unique (found '" + fileName + "' twice)");
            }
            return this;
        }

        /**
         * Signs the version as it is published: its signature is in place when the version appears, so a runtime
         * that requires signatures for the domain never sees it unsigned.
         *
         * @param key a signing key of this request's domain
         * @return this
         */
        public Builder signedBy(SigningKey key) {
            this.signingKey = key;
            return this;
        }

        /**
         * @return the request
         * @throws PollenException {@link ErrorCategory#INVALID_ARGUMENT} naming the first missing or bad setting
         */
        public PublishRequest build() {
            String what = domain + "/" + name;
            if (owner == null || owner.isBlank()) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "publishing " + what + " needs an owner");
            }
            if (signature == null) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT,
                        "publishing " + what + " needs a declared signature");
            }
            if (payloadFile == null && payloadStream == null) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT,
                        "publishing " + what + " needs a payload (a file or a stream)");
            }
            if (fileName != null) {
                checkFileName("payload", fileName);
            }
            String payloadName = fileName != null ? fileName : (kind == ArtifactKind.MODEL ? "model.onnx" : "table.bin");
            for (Map.Entry<String, Path> a : attachments.entrySet()) {
                checkFileName("attachment", a.getKey());
                if (a.getKey().equals(payloadName)) {
                    throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "attachment file name must differ from "
                            + "the payload's (found '" + a.getKey() + "' for both)");
                }
                if (a.getValue() == null) {
                    throw new PollenException(ErrorCategory.INVALID_ARGUMENT,
                            "attachment '" + a.getKey() + "' of " + what + " needs a file");
                }
            }
            for (String tag : tags) {
                Names.checkName("tag", tag);
            }
            for (ArtifactRef parent : derivedFrom) {
                if (!parent.isExact()) {
                    throw new PollenException(ErrorCategory.INVALID_ARGUMENT,
                            "derived-from refs must name an exact version (found '" + parent + "')");
                }
            }
            if (signingKey != null && !signingKey.domain().equals(domain)) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "publishing " + what + " can be signed by a"
                        + " key of domain '" + domain + "' only (found " + signingKey + ")");
            }
            return new PublishRequest(this);
        }

        private static void checkFileName(String what, String fileName) {
            if (!fileName.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,63}") || fileName.contains("..")
                    || RESERVED_FILE_NAMES.contains(fileName)) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, what + " file name must match "
                        + "[A-Za-z0-9][A-Za-z0-9._-]{0,63}, contain no '..' and not be one of " + RESERVED_FILE_NAMES
                        + " (found " + Names.quote(fileName) + ")");
            }
        }
    }
}
