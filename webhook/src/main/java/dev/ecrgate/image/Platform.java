package dev.ecrgate.image;

import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The platform of one image in an image index: {@code os/architecture[/variant]}, as the OCI image index and
 * {@code docker buildx --platform} write it ({@code linux/amd64}, {@code linux/arm64/v8}, {@code windows/amd64}).
 *
 * @param os           the operating system, lower case
 * @param architecture the CPU architecture, lower case
 * @param variant      the CPU variant ({@code v7}, {@code v8}), when the index names one
 */
public record Platform(String os, String architecture, Optional<String> variant) {
    private static final Pattern PART = Pattern.compile("[a-z0-9][a-z0-9._-]{0,31}");

    public Platform {
        Objects.requireNonNull(os, "os");
        Objects.requireNonNull(architecture, "architecture");
        Objects.requireNonNull(variant, "variant");
    }

    /**
     * Reads {@code os/architecture} or {@code os/architecture/variant}.
     *
     * @throws IllegalArgumentException with the reason, for a policy error
     */
    public static Platform parse(String text) {
        String[] parts = text.strip().toLowerCase(Locale.ROOT).split("/", -1);
        if (parts.length < 2 || parts.length > 3) {
            throw new IllegalArgumentException("expected os/architecture or os/architecture/variant, like"
                    + " linux/amd64 or linux/arm64/v8");
        }
        for (String part : parts) {
            if (!PART.matcher(part).matches()) {
                throw new IllegalArgumentException("\"" + part + "\" is not an os, architecture or variant name");
            }
        }
        return new Platform(parts[0], parts[1], parts.length == 3 ? Optional.of(parts[2]) : Optional.empty());
    }

    /**
     * Whether an image of this platform serves {@code wanted}: the same os and architecture, and the same variant
     * when {@code wanted} names one ({@code linux/arm64} is served by {@code linux/arm64/v8}).
     */
    public boolean serves(Platform wanted) {
        return os.equals(wanted.os) && architecture.equals(wanted.architecture)
                && (wanted.variant.isEmpty() || wanted.variant.equals(variant));
    }

    @Override
    public String toString() {
        return os + "/" + architecture + variant.map(v -> "/" + v).orElse("");
    }
}
