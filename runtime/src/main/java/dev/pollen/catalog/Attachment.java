package dev.pollen.catalog;

/**
 * A file stored beside an artifact version's payload and checksummed like it, such as a text encoder's
 * {@code tokenizer.json} or an embedding table's id index. Immutable with the version.
 *
 * @param file the file name inside the version directory
 * @param sizeBytes its size
 * @param sha256 its SHA-256, lowercase hex
 */
public record Attachment(String file, long sizeBytes, String sha256) {
}
