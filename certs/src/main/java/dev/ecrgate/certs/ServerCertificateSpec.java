package dev.ecrgate.certs;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import org.bouncycastle.util.IPAddress;

/**
 * What serving certificate to issue: the names clients reach the server by, its key type and validity. Start from
 * {@link #forNames(List)} and change what differs.
 *
 * <p>The subject's CN is the first DNS name (or the first IP address when there are none); clients check only the
 * subject alternative names.
 *
 * @param dnsNames    DNS names, e.g. {@code ecrgate.ecrgate.svc}; a leading {@code *.} wildcard label is allowed;
 *                    not null, copied
 * @param ipAddresses IPv4 and IPv6 addresses; not null, copied
 * @param keyType     the server key's type; not null
 * @param validity    how long the certificate is valid from the instant it is issued; positive
 */
public record ServerCertificateSpec(
        List<String> dnsNames, List<InetAddress> ipAddresses, KeyType keyType, Duration validity) {
    /** One year: short enough that rotation is exercised, long enough that nobody is paged over it. */
    public static final Duration DEFAULT_VALIDITY = Duration.ofDays(365);

    private static final Pattern DNS_NAME = Pattern.compile(
            "(\\*\\.)?[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*");

    /**
     * @throws IllegalArgumentException if there is no name at all, a DNS name is not a valid host name, or the
     *                                  validity is not positive
     */
    public ServerCertificateSpec {
        dnsNames = List.copyOf(Objects.requireNonNull(dnsNames, "dnsNames"));
        ipAddresses = List.copyOf(Objects.requireNonNull(ipAddresses, "ipAddresses"));
        Objects.requireNonNull(keyType, "keyType");
        Objects.requireNonNull(validity, "validity");
        if (dnsNames.isEmpty() && ipAddresses.isEmpty()) {
            throw new IllegalArgumentException("a serving certificate needs at least one DNS name or IP address");
        }
        for (String name : dnsNames) {
            if (name.length() > 253 || !DNS_NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("\"" + name + "\" is not a valid DNS name for a certificate");
            }
        }
        if (validity.isNegative() || validity.isZero()) {
            throw new IllegalArgumentException("the certificate validity must be positive, not " + validity);
        }
    }

    /**
     * A spec for the given names with ECDSA P-256 and one year's validity. Each name is an IP address if it is an
     * IPv4 or IPv6 literal ({@code 10.0.0.1}, {@code ::1}), otherwise a DNS name. No name is looked up.
     *
     * @param names not null, not empty, none null
     * @throws IllegalArgumentException as the constructor does
     */
    public static ServerCertificateSpec forNames(List<String> names) {
        List<String> dnsNames = new ArrayList<>();
        List<InetAddress> ipAddresses = new ArrayList<>();
        for (String name : Objects.requireNonNull(names, "names")) {
            Objects.requireNonNull(name, "name");
            if (IPAddress.isValid(name)) {
                ipAddresses.add(ipLiteral(name));
            } else {
                dnsNames.add(name);
            }
        }
        return new ServerCertificateSpec(dnsNames, ipAddresses, KeyType.EC_P256, DEFAULT_VALIDITY);
    }

    /** See {@link #forNames(List)}. */
    public static ServerCertificateSpec forNames(String... names) {
        return forNames(List.of(names));
    }

    public ServerCertificateSpec withKeyType(KeyType keyType) {
        return new ServerCertificateSpec(dnsNames, ipAddresses, keyType, validity);
    }

    public ServerCertificateSpec withValidity(Duration validity) {
        return new ServerCertificateSpec(dnsNames, ipAddresses, keyType, validity);
    }

    /** The subject CN: the first DNS name, or the first IP address when there are no DNS names. */
    public String commonName() {
        return dnsNames.isEmpty() ? ipAddresses.get(0).getHostAddress() : dnsNames.get(0);
    }

    private static InetAddress ipLiteral(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("\"" + literal + "\" is not a valid IP address", e);
        }
    }
}
