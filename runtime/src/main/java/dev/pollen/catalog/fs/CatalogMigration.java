package dev.pollen.catalog.fs;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.catalog.ArtifactId;
import dev.pollen.catalog.Manifest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The one-time migration of a catalog written before format 2 ({@link FileSystemCatalog#migrate()}): seals each
 * artifact's manifests, aliases and version record in place. Kept apart from the catalog's everyday reading and
 * publishing; it uses the catalog's own file helpers and runs under its lock.
 */
final class CatalogMigration {
    private static final String MANIFEST = FileSystemCatalog.MANIFEST;
    private static final String ALIASES = FileSystemCatalog.ALIASES;
    private static final String HIGHEST = FileSystemCatalog.HIGHEST;

    private CatalogMigration() {
    }

    /**
     * Seals one artifact's files written before format 2; see {@link FileSystemCatalog#migrate()}. Runs under the
     * catalog lock.
     */
    static void migrateArtifact(FileSystemCatalog catalog, Path artifactDir, List<String> changed, List<String> refused)
            throws IOException {
        String domain = artifactDir.getParent().getFileName().toString();
        String name = artifactDir.getFileName().toString();
        List<Long> versions = FileSystemCatalog.versions(artifactDir);
        for (long v : versions) {
            ArtifactId id = new ArtifactId(domain, name, v);
            Path file = catalog.versionDir(id).resolve(MANIFEST);
            String text = FileSystemCatalog.readText(file);
            if (text == null || ManifestCodec.formatOf(text) != ManifestCodec.UNSEALED_FORMAT) {
                try {
                    catalog.readManifest(domain, name, v);
                } catch (PollenException e) {
                    refused.add(id + ": " + e.getMessage());
                }
                continue;
            }
            try {
                Manifest m = ManifestCodec.readUnsealed(file.toString(), text);
                if (!m.id().equals(id)) {
                    throw new PollenException(ErrorCategory.MALFORMED_MANIFEST, "manifest " + file + ": fields"
                            + " 'domain', 'name' and 'version' must match its directory " + id + " (found " + m.id()
                            + ")");
                }
                String problem = catalog.verifyFiles(id, m);
                if (problem != null) {
                    refused.add(id + ": not sealed, " + problem);
                    continue;
                }
                byte[] sealed = ManifestCodec.write(m).getBytes(StandardCharsets.UTF_8);
                FileSystemCatalog.replaceAtomically(file, sealed);
                changed.add(id + ": " + MANIFEST + " sealed (format " + ManifestCodec.UNSEALED_FORMAT + " -> "
                        + Manifest.FORMAT + ", checksum " + m.checksum() + ")");
            } catch (PollenException e) {
                refused.add(id + ": " + e.getMessage());
            }
        }
        String what = domain + "/" + name;
        Path aliasesFile = artifactDir.resolve(ALIASES);
        String aliasesText = FileSystemCatalog.readText(aliasesFile);
        if (aliasesText != null) {
            try {
                catalog.aliases(domain, name);
            } catch (PollenException sealedOrNot) {
                try {
                    Map<String, Long> legacy = CatalogRecords.legacyAliases(aliasesFile.toString(), aliasesText);
                    FileSystemCatalog.replaceAtomically(aliasesFile,
                            CatalogRecords.writeAliases(domain, name, legacy));
                    changed.add(what + ": " + ALIASES + " sealed " + legacy);
                } catch (PollenException notLegacy) {
                    refused.add(what + ": " + sealedOrNot.getMessage());
                }
            }
        }
        Path record = artifactDir.resolve(HIGHEST);
        String recordText = FileSystemCatalog.readText(record);
        long present = versions.isEmpty() ? 0 : versions.get(versions.size() - 1);
        if (recordText == null) {
            if (present > 0) {
                FileSystemCatalog.replaceAtomically(record, CatalogRecords.writeHighest(domain, name, present));
                changed.add(what + ": " + HIGHEST + " was missing, rebuilt from the versions present (" + present
                        + ")");
            }
        } else {
            try {
                CatalogRecords.readHighest(record.toString(), domain, name, recordText);
            } catch (PollenException sealedOrNot) {
                try {
                    long highest = Math.max(present, CatalogRecords.legacyHighest(record.toString(), recordText));
                    FileSystemCatalog.replaceAtomically(record, CatalogRecords.writeHighest(domain, name, highest));
                    changed.add(what + ": " + HIGHEST + " sealed (" + highest + ")");
                } catch (PollenException notLegacy) {
                    refused.add(what + ": " + sealedOrNot.getMessage());
                }
            }
        }
    }
}
