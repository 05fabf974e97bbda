package dev.ecrgate.certs;

import java.time.Duration;
import java.util.Objects;

/**
 * What kind of CA to generate. Start from {@link #defaults()} and change what differs.
 *
 * @param commonName the CA's subject CN; not blank
 * @param keyType    the CA's key type; not null
 * @param validity   how long the CA is valid from the instant it is generated; positive
 */
public record CaSpec(String commonName, KeyType keyType, Duration validity) {
    /** The CN of a CA generated with {@link #defaults()}. */
    public static final String DEFAULT_COMMON_NAME = "ecrgate CA";

    /** Ten years of 365 days: long enough that nobody rotates a self-managed CA by surprise. */
    public static final Duration DEFAULT_VALIDITY = Duration.ofDays(3650);

    /** @throws IllegalArgumentException if the CN is blank or the validity is not positive */
    public CaSpec {
        Objects.requireNonNull(commonName, "commonName");
        Objects.requireNonNull(keyType, "keyType");
        Objects.requireNonNull(validity, "validity");
        if (commonName.isBlank()) {
            throw new IllegalArgumentException("the CA common name is blank");
        }
        if (validity.isNegative() || validity.isZero()) {
            throw new IllegalArgumentException("the CA validity must be positive, not " + validity);
        }
    }

    /** "ecrgate CA", ECDSA P-256, valid ten years. */
    public static CaSpec defaults() {
        return new CaSpec(DEFAULT_COMMON_NAME, KeyType.EC_P256, DEFAULT_VALIDITY);
    }

    public CaSpec withCommonName(String commonName) {
        return new CaSpec(commonName, keyType, validity);
    }

    public CaSpec withKeyType(KeyType keyType) {
        return new CaSpec(commonName, keyType, validity);
    }

    public CaSpec withValidity(Duration validity) {
        return new CaSpec(commonName, keyType, validity);
    }
}
