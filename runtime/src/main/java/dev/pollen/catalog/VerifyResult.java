package dev.pollen.catalog;

import dev.pollen.ErrorCategory;

/**
 * The outcome of verifying one stored version, or one artifact's own records (its aliases and version record).
 *
 * @param subject what was checked, for people: {@code payments/fraud-scorer@3} for a version, {@code
 *     payments/fraud-scorer (aliases.json, .highest-version)} for an artifact's records
 * @param id the version checked, or {@code null} for an artifact's records
 * @param ok {@code true} when every checksum matches and the trust in force accepts the version
 * @param problem what is wrong, or {@code null} when {@code ok}
 * @param category what kind of problem: {@code CHECKSUM_MISMATCH} for damaged or edited files, {@code UNTRUSTED}
 *     for a version the trust refuses, {@code MALFORMED_MANIFEST}, {@code IO}; {@code null} when {@code ok}
 * @param signedBy for a version: the id of the trusted key whose signature verified, or {@code null} when none did
 *     (unsigned, or its domain is not checked by the trust in force)
 */
public record VerifyResult(String subject, ArtifactId id, boolean ok, String problem, ErrorCategory category,
        String signedBy) {
    /**
     * @param id the version
     * @param signedBy the trusted key that vouched for it, or {@code null}
     * @return the result for a sound version
     */
    public static VerifyResult sound(ArtifactId id, String signedBy) {
        return new VerifyResult(id.toString(), id, true, null, null, signedBy);
    }

    /**
     * @param id the version
     * @param category what kind of problem
     * @param problem what is wrong
     * @return the result for a version that must not be used
     */
    public static VerifyResult failed(ArtifactId id, ErrorCategory category, String problem) {
        return new VerifyResult(id.toString(), id, false, problem, category, null);
    }

    /**
     * @param subject the artifact and the records checked
     * @param category what kind of problem, or {@code null} when there is none
     * @param problem what is wrong, or {@code null}
     * @return the result for an artifact's records
     */
    public static VerifyResult ofRecords(String subject, ErrorCategory category, String problem) {
        return new VerifyResult(subject, null, problem == null, problem, problem == null ? null : category, null);
    }

    /** @return {@code true} for a version's result, {@code false} for an artifact's records */
    public boolean isVersion() {
        return id != null;
    }
}
