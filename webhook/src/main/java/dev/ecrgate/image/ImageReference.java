package dev.ecrgate.image;

import dev.ecrgate.text.OutsideText;
import java.util.Objects;
import java.util.Optional;

/**
 * A container image reference, parsed and normalised the way kubelet and containerd read it: the semantics of
 * {@code ParseNormalizedNamed} in github.com/distribution/reference, whose grammar {@code ReferenceGrammar} spells
 * out.
 *
 * <p>Normalisation follows Docker Hub's rules. The first path segment names a registry host only when it is
 * {@code localhost}, or contains a {@code .} or a {@code :}, or has an uppercase letter; otherwise the image is on
 * Docker Hub ({@code docker.io}), and a single-segment Hub name gets the {@code library/} namespace of official
 * images ({@code nginx} is {@code docker.io/library/nginx}). {@code index.docker.io} is written {@code docker.io}.
 * The tag is left empty when the text has none: no {@code latest} is added.
 *
 * <p>Values are immutable and thread-safe; no component is null.
 *
 * @param original the text exactly as given
 * @param domain   the registry host, with its port if any, as written (host case is kept), for example
 *                 {@code docker.io}, {@code localhost:5000}, {@code [::1]:5000}
 * @param path     the repository path within the registry, for example {@code library/nginx} or
 *                 {@code team-blue/api} (the ECR repository name)
 * @param tag      the tag, when the text has one
 * @param digest   the digest ({@code algorithm:hex}), when the text has one; it may come with a tag
 * @param ecr      the private ECR registry the domain names, if it names one
 */
public record ImageReference(String original, String domain, String path, Optional<String> tag,
                             Optional<String> digest, Optional<EcrRegistry> ecr) {

    /**
     * The {@code tag} production of the grammar as a regular expression over the whole text, for the policy schema
     * (a test keeps the two equal); {@link #isTag} checks it without a regular expression.
     */
    public static final String TAG_PATTERN = "[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}";

    private static final String DOCKER_HUB = "docker.io";
    private static final String LEGACY_DOCKER_HUB = "index.docker.io";
    private static final String OFFICIAL_NAMESPACE = "library/";
    private static final String LOCALHOST = "localhost";

    public ImageReference {
        Objects.requireNonNull(original, "original");
        Objects.requireNonNull(domain, "domain");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(tag, "tag");
        Objects.requireNonNull(digest, "digest");
        Objects.requireNonNull(ecr, "ecr");
    }

    /**
     * Parses and normalises an image reference as kubelet would.
     *
     * <p>Accepts exactly what {@code ParseNormalizedNamed} accepts, with digests limited to the algorithms
     * kubelet registers (sha256, sha384, sha512). One upstream quirk is resolved: a first segment with a dot that
     * is not a valid host but is a valid path component (such as {@code foo_bar.com/app}) is accepted, as
     * upstream does, and reported as the domain, since that is the host containerd pulls from (upstream reports an
     * empty domain).
     *
     * <p>Runs in time linear in the length of {@code text}.
     *
     * @param text the reference, for example {@code nginx:1.27} or {@code 111122223333.dkr.ecr.us-east-1.amazonaws.com/api@sha256:...}
     * @return the normalised reference; never null
     * @throws InvalidImageReferenceException when kubelet would refuse the text, null included; the message
     *                                        quotes the text safely and says what is wrong
     */
    public static ImageReference parse(String text) throws InvalidImageReferenceException {
        if (text == null) {
            throw new InvalidImageReferenceException("invalid image reference: no image was given (null)");
        }
        if (text.isEmpty()) {
            throw invalid(text, "it is empty");
        }
        checkCharacters(text);
        if (text.contains("://")) {
            throw invalid(text, "an image reference has no URL scheme; write host/repository, without "
                    + OutsideText.quoted(text.substring(0, text.indexOf("://") + 3)));
        }
        if (ReferenceGrammar.isIdentifier(text)) {
            throw invalid(text, "a 64-character hexadecimal string is an image ID and cannot be used as a"
                    + " repository name");
        }

        Split split = Split.of(text);
        String remainder = split.remainder();
        int at = remainder.indexOf('@');
        String named = at < 0 ? remainder : remainder.substring(0, at);
        Optional<String> digest = at < 0 ? Optional.empty() : Optional.of(remainder.substring(at + 1));
        int colon = named.indexOf(':');
        String path = colon < 0 ? named : named.substring(0, colon);
        Optional<String> tag = colon < 0 ? Optional.empty() : Optional.of(named.substring(colon + 1));

        boolean hostIsPathComponent = checkDomain(text, split);
        checkPath(text, path, split.addedNamespace(), hostIsPathComponent ? split.domain().length() + 1 : 0);
        if (tag.isPresent()) {
            checkTag(text, tag.get());
        }
        if (digest.isPresent()) {
            checkDigest(text, digest.get());
        }
        return new ImageReference(text, split.domain(), path, tag, digest, EcrRegistry.fromHost(split.domain()));
    }

    /** {@code domain/path}, for example {@code docker.io/library/nginx}. */
    public String name() {
        return domain + "/" + path;
    }

    /** {@code name[:tag][@digest]}, fully normalised; {@link #parse} of it gives back the same parts. */
    public String canonical() {
        return name() + tag.map(t -> ":" + t).orElse("") + digest.map(d -> "@" + d).orElse("");
    }

    /**
     * The registry host and the rest of the text (path, tag, digest), split by Docker Hub's rules.
     *
     * @param addedNamespace whether {@code library/} was added to the front of the remainder
     */
    private record Split(String domain, String remainder, boolean domainFromUppercase, boolean addedNamespace) {

        static Split of(String text) {
            int slash = text.indexOf('/');
            if (slash < 0) {
                return new Split(DOCKER_HUB, OFFICIAL_NAMESPACE + text, false, true);
            }
            String first = text.substring(0, slash);
            String rest = text.substring(slash + 1);
            String domain;
            String remainder;
            boolean fromUppercase = false;
            if (first.equals(LOCALHOST) || first.indexOf('.') >= 0 || first.indexOf(':') >= 0) {
                domain = first.equals(LEGACY_DOCKER_HUB) ? DOCKER_HUB : first;
                remainder = rest;
            } else if (ReferenceGrammar.hasAsciiUppercase(first)) {
                // Repository names are lowercase, so upstream takes an uppercase first segment for a host.
                domain = first;
                remainder = rest;
                fromUppercase = true;
            } else {
                domain = DOCKER_HUB;
                remainder = text;
            }
            if (domain.equals(DOCKER_HUB) && remainder.indexOf('/') < 0) {
                return new Split(domain, OFFICIAL_NAMESPACE + remainder, fromUppercase, true);
            }
            return new Split(domain, remainder, fromUppercase, false);
        }
    }

    private static void checkCharacters(String text) throws InvalidImageReferenceException {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c > 0x20 && c < 0x7f) {
                continue;
            }
            String where = " at position " + (i + 1);
            if (Character.isISOControl(c)) {
                throw invalid(text, "it contains a control character (" + OutsideText.codePoint(c) + ")" + where);
            }
            if (Character.isWhitespace(c) || Character.isSpaceChar(c)) {
                throw invalid(text, "it contains whitespace (" + OutsideText.codePoint(c) + ")" + where);
            }
            throw invalid(text, "it contains the non-ASCII character " + OutsideText.codePoint(c) + where
                    + "; image references are plain ASCII");
        }
    }

    /**
     * Returns whether the domain is accepted only as a path component (the quirk described on {@link #parse}).
     */
    private static boolean checkDomain(String text, Split split) throws InvalidImageReferenceException {
        String domain = split.domain();
        if (ReferenceGrammar.isDomain(domain)) {
            return false;
        }
        if (!split.domainFromUppercase() && domain.indexOf(':') < 0
                && ReferenceGrammar.isPathComponent(domain, 0, domain.length())) {
            return true;
        }
        String quoted = OutsideText.quoted(domain);
        if (split.domainFromUppercase()) {
            throw invalid(text, quoted + " is read as a registry host because it has uppercase letters, and it is"
                    + " not a valid host; repository names must be lowercase");
        }
        int hostEnd = ReferenceGrammar.hostEnd(domain);
        if (hostEnd > 0 && hostEnd < domain.length() && domain.charAt(hostEnd) == ':') {
            throw invalid(text, "registry port " + OutsideText.quoted(domain.substring(hostEnd + 1))
                    + " is not a number");
        }
        if (domain.startsWith("[")) {
            throw invalid(text, "registry host " + quoted + " is not valid: an IPv6 address is written in"
                    + " brackets with hex digits and colons only (no zone, no embedded IPv4), optionally"
                    + " followed by :port");
        }
        throw invalid(text, "registry host " + quoted + " is not valid: a host is a DNS name or IPv4 address"
                + " whose dot-separated parts are letters, digits and inner dashes, optionally followed by :port");
    }

    /**
     * @param countedPrefix characters of the domain that upstream counts as part of the path (the quirk)
     */
    private static void checkPath(String text, String path, boolean addedNamespace, int countedPrefix)
            throws InvalidImageReferenceException {
        String written = addedNamespace ? path.substring(OFFICIAL_NAMESPACE.length()) : path;
        if (written.isEmpty()) {
            throw invalid(text, "the repository name is missing");
        }
        if (ReferenceGrammar.hasAsciiUppercase(path)) {
            throw invalid(text, "repository name must be lowercase");
        }
        int bad = ReferenceGrammar.firstInvalidPathComponent(path);
        if (bad >= 0) {
            int end = path.indexOf('/', bad);
            String component = path.substring(bad, end < 0 ? path.length() : end);
            if (component.isEmpty()) {
                throw invalid(text, "repository name has an empty part (a doubled or trailing \"/\")");
            }
            throw invalid(text, "repository name part " + OutsideText.quoted(component) + " is not valid: use"
                    + " lowercase letters and digits separated by \".\", \"_\", \"__\" or dashes, starting and"
                    + " ending with a letter or digit");
        }
        int length = countedPrefix + path.length();
        if (length > ReferenceGrammar.PATH_MAX_LENGTH) {
            throw invalid(text, "repository name is longer than " + ReferenceGrammar.PATH_MAX_LENGTH
                    + " characters (it has " + length + ")");
        }
    }

    /**
     * Whether {@code text} is a valid tag, without the {@code ":"}: a letter, digit or {@code _}, then up to 127
     * letters, digits, {@code _}, {@code .} and {@code -} ({@link #TAG_PATTERN}). Null is not. Linear time.
     */
    public static boolean isTag(String text) {
        return text != null && ReferenceGrammar.isTag(text);
    }

    private static void checkTag(String text, String tag) throws InvalidImageReferenceException {
        if (tag.isEmpty()) {
            throw invalid(text, "the tag after \":\" is empty");
        }
        if (tag.length() > ReferenceGrammar.TAG_MAX_LENGTH) {
            throw invalid(text, "tag " + OutsideText.quoted(tag) + " is longer than "
                    + ReferenceGrammar.TAG_MAX_LENGTH + " characters");
        }
        if (!ReferenceGrammar.isTag(tag)) {
            throw invalid(text, "tag " + OutsideText.quoted(tag) + " is not valid: a tag is letters, digits,"
                    + " \"_\", \".\" and \"-\", and does not start with \".\" or \"-\"");
        }
    }

    private static void checkDigest(String text, String digest) throws InvalidImageReferenceException {
        if (digest.isEmpty()) {
            throw invalid(text, "the digest after \"@\" is empty");
        }
        Optional<String> problem = DigestAlgorithm.problemWith(digest);
        if (problem.isPresent()) {
            throw invalid(text, "invalid digest " + OutsideText.quoted(digest) + ": " + problem.get());
        }
    }

    private static InvalidImageReferenceException invalid(String text, String reason) {
        return new InvalidImageReferenceException("invalid image reference " + OutsideText.quoted(text) + ": "
                + reason);
    }
}
